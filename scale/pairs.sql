-- The pairs of images in the table `signatures` whose similarity reaches min_similarity, as
-- lookalike computes it upright (`lookalike scan --all --upright`): one row (a, b, similarity)
-- per pair, a < b. Every pair found is scored exactly; a pair that shares too few uncommon codes
-- (max_code_holders, min_shared_codes below) is not found (scale/README.md measures how many).
-- `signatures` is the table of `lookalike db export --format parquet` or `lookalike hash
-- --format parquet` (README "Past one machine"; scale/README.md), loaded however the engine
-- loads it, e.g. in DuckDB:
--     CREATE VIEW signatures AS SELECT * FROM read_parquet('signatures*.parquet');
--
-- Plain SQL: a window function, VALUES, CASE, abs/floor/least/greatest, and one list function,
-- unnest (Spark SQL calls it explode). Keep the constants in sync with lookalike-core, as named.
WITH
params AS (
    SELECT 49.75 AS min_similarity,     -- 35 + 0.59 × sensitivity; 49.75 = 25, the default without probes
           100 AS max_code_holders,     -- a code held by more images than this finds no candidates
           2 AS min_shared_codes        -- a candidate shares this many of the other codes
),
-- The paper's Table 1 (Jacobs et al. 1995), weights for scanned queries, in hundredths:
-- core/src/weights.rs SCANNED.
weights AS (
    SELECT * FROM (VALUES
        (0, 0, 500), (0, 1, 83), (0, 2, 101), (0, 3, 52), (0, 4, 47), (0, 5, 30),
        (1, 0, 1921), (1, 1, 126), (1, 2, 44), (1, 3, 53), (1, 4, 28), (1, 5, 14),
        (2, 0, 3437), (2, 1, 36), (2, 2, 45), (2, 3, 14), (2, 4, 18), (2, 5, 27)
    ) AS w (channel, bin, centi)
),
-- Which channels carry structure (Signature::is_informative): Y from STRUCTURE_FLOOR, I and Q
-- from CHROMA_NOISE_FLOOR (core/src/signature.rs), compared as the f32 values they are; and
-- which luminances are faint, from FAINT_FLOOR up to STRUCTURE_FLOOR (Signature::is_faint).
images AS (
    SELECT row_number() OVER (ORDER BY path) AS id, path,
           CAST(average_y AS DOUBLE) AS average_y,
           CAST(average_i AS DOUBLE) AS average_i,
           CAST(average_q AS DOUBLE) AS average_q,
           CASE WHEN strength_y >= CAST(0.0003 AS FLOAT) THEN 1 ELSE 0 END AS informative_y,
           CASE WHEN strength_y >= CAST(0.0002 AS FLOAT) AND strength_y < CAST(0.0003 AS FLOAT)
                THEN 1 ELSE 0 END AS faint_y,
           CASE WHEN strength_i >= CAST(0.0001 AS FLOAT) THEN 1 ELSE 0 END AS informative_i,
           CASE WHEN strength_q >= CAST(0.0001 AS FLOAT) THEN 1 ELSE 0 END AS informative_q,
           CASE WHEN banded THEN 1 ELSE 0 END AS banded,
           codes
    FROM signatures
),
-- One row per kept coefficient. A code is ±(channel × 16384 + position), negative for a
-- negative coefficient; position = row × 128 + col, and its bin is min(max(row, col), 5).
exploded AS (
    SELECT id, unnest(codes) AS code FROM images
),
coefficients AS (
    SELECT c.id, c.channel, c.position, c.negative, weights.centi
    FROM (
        SELECT id,
               CAST(floor(abs(code) / 16384) AS INTEGER) AS channel,
               abs(code) % 16384 AS position,
               CASE WHEN code < 0 THEN 1 ELSE 0 END AS negative,
               least(greatest(CAST(floor((abs(code) % 16384) / 128) AS INTEGER),
                              (abs(code) % 16384) % 128), 5) AS bin
        FROM exploded
    ) AS c
    JOIN weights ON weights.channel = c.channel AND weights.bin = c.bin
),
-- Per image and channel, the weight of all its codes (score.rs self_weight), in hundredths.
own AS (
    SELECT id,
           SUM(CASE WHEN channel = 0 THEN centi ELSE 0 END) AS own_y,
           SUM(CASE WHEN channel = 1 THEN centi ELSE 0 END) AS own_i,
           SUM(CASE WHEN channel = 2 THEN centi ELSE 0 END) AS own_q
    FROM coefficients
    GROUP BY id
),
-- Only the codes of informative channels and faint luminances are compared (the index posts
-- only those; Signature::is_comparable). `place`
-- names one image's position in one channel, so that scoring a candidate is a lookup by one key.
postings AS (
    SELECT k.id, k.channel, k.position, k.negative, k.centi,
           k.id * 65536 + k.channel * 16384 + k.position AS place
    FROM coefficients AS k
    JOIN images AS i ON i.id = k.id
    WHERE (k.channel = 0 AND (i.informative_y = 1 OR i.faint_y = 1))
       OR (k.channel = 1 AND i.informative_i = 1)
       OR (k.channel = 2 AND i.informative_q = 1)
),
holders AS (
    SELECT channel, position, negative, COUNT(*) AS images
    FROM postings
    GROUP BY channel, position, negative
),
-- Candidates: pairs that keep min_shared_codes codes with the same sign, outside the common
-- codes (a pair of copies shares dozens; two unrelated pictures share one by chance). The join
-- costs the sum of the squares of the codes' holder counts, so the long lists (the coarse
-- coefficients nearly every photo keeps) must stay out; max_code_holders bounds every list.
rare AS (
    SELECT p.id, p.channel, p.position, p.negative
    FROM postings AS p
    JOIN holders AS h
      ON h.channel = p.channel AND h.position = p.position AND h.negative = p.negative
    CROSS JOIN params
    WHERE h.images <= params.max_code_holders
),
candidates AS (
    SELECT p.id AS a, q.id AS b
    FROM rare AS p
    JOIN rare AS q
      ON q.channel = p.channel AND q.position = p.position AND q.negative = p.negative
    WHERE p.id < q.id
    GROUP BY p.id, q.id
    HAVING COUNT(*) >= (SELECT min_shared_codes FROM params)
),
-- Each candidate scored on all its codes (score.rs compare_upright): a position both keep adds
-- its weight when the signs agree and, in Y only, subtracts it when they differ. Y apart, as
-- it counts only where it counts on both sides (flagged, below).
matched AS (
    SELECT c.a, c.b,
           SUM(CASE WHEN p.channel <> 0 THEN 0
                    WHEN p.negative = q.negative THEN p.centi
                    ELSE -p.centi END) AS matched_y,
           SUM(CASE WHEN p.channel <> 0 AND p.negative = q.negative THEN p.centi
                    ELSE 0 END) AS matched_c
    FROM candidates AS c
    JOIN postings AS p ON p.id = c.a
    -- One key, not (id, channel, position): a planner could otherwise join the postings with
    -- each other on (channel, position) first, every pair of images, before the candidates.
    JOIN postings AS q ON q.place = c.b * 65536 + p.channel * 16384 + p.position
    GROUP BY c.a, c.b
),
-- Whether each side's Y counts in this pair (Signature::informative_with): informative, or
-- faint against an informative one.
flagged AS (
    SELECT m.a, m.b, m.matched_y, m.matched_c,
           CASE WHEN ia.informative_y = 1 OR (ia.faint_y = 1 AND ib.informative_y = 1)
                THEN 1 ELSE 0 END AS y_a,
           CASE WHEN ib.informative_y = 1 OR (ib.faint_y = 1 AND ia.informative_y = 1)
                THEN 1 ELSE 0 END AS y_b
    FROM matched AS m
    JOIN images AS ia ON ia.id = m.a
    JOIN images AS ib ON ib.id = m.b
),
-- similarity = 100 · (matched − dc) / (pair / 2), clamped to [0, 100] (score.rs finish), and
-- to [0, 90] for a picture with a caption band against one without (score.rs BANDED_CAP), where
-- pair adds both sides' weights of the channels informative on both, and an eighth of one side's
-- where only that side is informative (score.rs pair_weight, integer division), and dc is the
-- weighted difference of the average colours (bin-0 weights).
scored AS (
    SELECT ia.path AS a, ib.path AS b,
           m.matched_c + CASE WHEN m.y_a = 1 AND m.y_b = 1 THEN m.matched_y ELSE 0 END AS matched,
           (CASE WHEN m.y_a = 1 AND m.y_b = 1 THEN oa.own_y + ob.own_y
                 WHEN m.y_a = 1 THEN floor(oa.own_y / 8)
                 WHEN m.y_b = 1 THEN floor(ob.own_y / 8) ELSE 0 END)
         + (CASE WHEN ia.informative_i = 1 AND ib.informative_i = 1 THEN oa.own_i + ob.own_i
                 WHEN ia.informative_i = 1 THEN floor(oa.own_i / 8)
                 WHEN ib.informative_i = 1 THEN floor(ob.own_i / 8) ELSE 0 END)
         + (CASE WHEN ia.informative_q = 1 AND ib.informative_q = 1 THEN oa.own_q + ob.own_q
                 WHEN ia.informative_q = 1 THEN floor(oa.own_q / 8)
                 WHEN ib.informative_q = 1 THEN floor(ob.own_q / 8) ELSE 0 END) AS pair,
           5.00 * abs(ia.average_y - ib.average_y)
         + 19.21 * abs(ia.average_i - ib.average_i)
         + 34.37 * abs(ia.average_q - ib.average_q) AS dc,
           -- A picture whose caption band was filled against one without: at most BANDED_CAP.
           CASE WHEN ia.banded = ib.banded THEN 100.0 ELSE 90.0 END AS cap
    FROM flagged AS m
    JOIN images AS ia ON ia.id = m.a
    JOIN images AS ib ON ib.id = m.b
    JOIN own AS oa ON oa.id = m.a
    JOIN own AS ob ON ob.id = m.b
),
scored_pairs AS (
    SELECT a, b,
           CASE WHEN pair > 0
                THEN least(cap, greatest(0.0, 100.0 * (matched / 100.0 - dc) / (pair / 200.0)))
                ELSE 0.0 END AS similarity
    FROM scored
)
SELECT a, b, similarity
FROM scored_pairs CROSS JOIN params
WHERE similarity >= params.min_similarity
ORDER BY a, b
