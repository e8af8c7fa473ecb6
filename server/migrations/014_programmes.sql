-- The district's programmes (issue 22): the codes an enrolment may name, with their names.
-- Every district starts with the built-in ones of the state orders; the admin adds its own
-- (`mitan admin set-programme`). Phones receive the list with the notices and refuse any
-- other code, so a typo cannot make a programme of its own.
CREATE TABLE programme (
    code TEXT PRIMARY KEY,
    name_hi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at_ms INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO programme (code, name_hi, name_en, set_by, set_at_ms) VALUES
    ('cyber_mitan', 'साइबर मितान', 'Cyber Mitan', 'mitan', 0),
    ('police_mitan', 'पुलिस मितान', 'Police Mitan', 'mitan', 0),
    ('police_mitra', 'पुलिस मित्र', 'Police Mitra', 'mitan', 0),
    ('cyber_prahari', 'साइबर प्रहरी', 'Cyber Prahari', 'mitan', 0),
    ('gram_rakshak', 'ग्राम रक्षक', 'Gram Rakshak', 'mitan', 0),
    ('suraksha_sakhi', 'सुरक्षा सखी', 'Suraksha Sakhi', 'mitan', 0),
    ('clg_member', 'सीएलजी सदस्य', 'CLG member', 'mitan', 0);
