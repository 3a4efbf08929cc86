-- Controllers ask for the token revocations since a point every few seconds (each keeps the tokens
-- it has seen in memory): the audit lines of one action after an id, without reading the others.
CREATE INDEX audit_action ON audit (action, id);
