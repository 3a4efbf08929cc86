-- What finished campaigns on real hosts measured, for the next forecast (docs/forecast.md): one row
-- per version, the model as JSON (sums and counts, so the next campaign adds to them).
CREATE TABLE models (
    version     INTEGER      PRIMARY KEY,
    learned_at  BIGINT       NOT NULL,
    campaign    VARCHAR(100) NOT NULL,
    document    TEXT         NOT NULL
);
