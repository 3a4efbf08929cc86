-- A model can be imported (PUT /v1/model, `ferry lab`'s model file) as well as learnt from a
-- campaign: an imported version names no campaign.
ALTER TABLE models ALTER COLUMN campaign DROP NOT NULL;
