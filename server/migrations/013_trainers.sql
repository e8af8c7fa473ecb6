-- Who trained each volunteer (issue 22): `v:<volunteer id>` for a volunteer of the training
-- cascade, `e:<badge>` for police staff, as the roster holds it; NULL when nobody was named.
-- Reports count trainees per trainer and draw the cascade from it. Rows written before this
-- migration are filled from the rosters once, when the store first opens at this version
-- (`ServerStore::backfill_trainers`): SQL cannot read an Automerge document.
ALTER TABLE volunteer ADD COLUMN trained_by TEXT;
CREATE INDEX volunteer_by_trainer ON volunteer (trained_by, status) WHERE trained_by IS NOT NULL;
