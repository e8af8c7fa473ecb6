-- The beat a person was moved to, on the row of the entry they left: a phone holding only the
-- old beat shows where they went (docs/adr/0002). NULL on every other row.
ALTER TABLE volunteer ADD COLUMN moved_to TEXT;
