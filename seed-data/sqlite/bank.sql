-- =============================================================================
-- OData Virtualization - demo core-banking database (SQLite)
--
-- One multi-statement script (plain SQL, no sqlite3 dot-commands), e.g. run
-- through Microsoft.Data.Sqlite or python3 sqlite3.executescript().
-- Mirrors seed-data/postgres/bank.sql: same table names, column names, keys and
-- foreign keys (PostgreSQL schema "core" is flattened). PostgreSQL-only column
-- omitted: loans.term (interval).
-- transactions holds 20,000 rows here (1,000,000 in PostgreSQL) so the script
-- builds in well under a second.
--
-- Declared types: BIGINT, INTEGER, SMALLINT, TEXT, VARCHAR(n), CHAR(n),
-- DECIMAL(p,s), DOUBLE, BOOLEAN (0/1), DATE ('YYYY-MM-DD'),
-- DATETIME ('YYYY-MM-DD HH:MM:SS', timestamp without time zone),
-- DATETIMEOFFSET ('YYYY-MM-DDTHH:MM:SS+00:00', timestamp with time zone),
-- UUID (lower-case canonical text), BLOB.
-- Deterministic: values come from WITH RECURSIVE counters; no random().
-- =============================================================================

PRAGMA foreign_keys = ON;

-- -----------------------------------------------------------------------------
-- Tables
-- -----------------------------------------------------------------------------
CREATE TABLE customers (
    customer_id  BIGINT          PRIMARY KEY,
    full_name    TEXT            NOT NULL,
    national_id  VARCHAR(20),
    email        VARCHAR(120),
    segment      TEXT            NOT NULL CHECK (segment IN ('retail', 'private', 'business')),
    created_at   DATETIMEOFFSET  NOT NULL,
    risk_score   DOUBLE,
    photo        BLOB
);

CREATE TABLE accounts (
    iban            VARCHAR(34)    PRIMARY KEY,
    customer_id     BIGINT         NOT NULL REFERENCES customers (customer_id),
    currency        CHAR(3)        NOT NULL,
    opened_on       DATE           NOT NULL,
    status          VARCHAR(10)    NOT NULL,
    overdraft_limit DECIMAL(18,2),
    interest_rate   DECIMAL(6,4)   NOT NULL
);

CREATE TABLE balances (
    iban       VARCHAR(34)    NOT NULL REFERENCES accounts (iban),
    as_of      DATE           NOT NULL,
    amount     DECIMAL(18,2)  NOT NULL,
    available  DECIMAL(18,2)  NOT NULL,
    PRIMARY KEY (iban, as_of)
);

CREATE TABLE transactions (
    transaction_id  BIGINT          PRIMARY KEY,
    iban            VARCHAR(34)     NOT NULL REFERENCES accounts (iban),
    booked_at       DATETIMEOFFSET  NOT NULL,
    value_date      DATE            NOT NULL,
    amount          DECIMAL(18,2)   NOT NULL,
    currency        CHAR(3)         NOT NULL,
    counterparty    VARCHAR(140),
    reference       TEXT,
    category        VARCHAR(30)     NOT NULL,
    local_booked_at DATETIME        NOT NULL
);

CREATE TABLE cards (
    card_id      UUID          PRIMARY KEY,
    iban         VARCHAR(34)   NOT NULL REFERENCES accounts (iban),
    pan_last4    CHAR(4)       NOT NULL,
    network      VARCHAR(10)   NOT NULL,
    expires_on   DATE          NOT NULL,
    is_virtual   BOOLEAN       NOT NULL,
    daily_limit  INTEGER
);

CREATE TABLE loans (
    loan_id      INTEGER        PRIMARY KEY,
    customer_id  BIGINT         NOT NULL REFERENCES customers (customer_id),
    principal    DECIMAL(18,2)  NOT NULL,
    annual_rate  DECIMAL(6,4)   NOT NULL,
    term_months  SMALLINT       NOT NULL,
    started_at   DATETIME       NOT NULL,
    big_counter  BIGINT         NOT NULL
);

-- -----------------------------------------------------------------------------
-- Views (no primary key)
-- -----------------------------------------------------------------------------
CREATE VIEW account_overview AS
SELECT a.iban,
       a.customer_id,
       c.full_name,
       a.currency,
       (SELECT b.amount FROM balances b
        WHERE b.iban = a.iban
        ORDER BY b.as_of DESC
        LIMIT 1) AS latest_balance
FROM accounts a
JOIN customers c ON c.customer_id = a.customer_id;

-- =============================================================================
-- Data
-- Joins in the generators are written as CROSS JOIN on purpose: in SQLite that
-- pins the join order (counter CTE outermost), so the planner can never re-run a
-- recursive counter inside a nested loop.
-- =============================================================================
BEGIN;

-- customers: 10,000 (customer_id 10000001..10010000) ------------------------------
WITH RECURSIVE
    c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 10000),
    first_names(k, v) AS (VALUES (0,'Anna'),(1,'Ben'),(2,'Chloé'),(3,'David'),(4,'Elif'),(5,'Finn'),
        (6,'Greta'),(7,'Hiroshi'),(8,'Inès'),(9,'Jonas'),(10,'Karin'),(11,'Liam'),(12,'Maja'),(13,'Noah'),
        (14,'Olga'),(15,'Pierre'),(16,'Sean'),(17,'Rosa'),(18,'Sven'),(19,'Zoë')),
    last_names(k, v) AS (VALUES (0,'Smith'),(1,'Müller'),(2,'O''Neil'),(3,'García'),(4,'Nguyen'),
        (5,'Kowalski'),(6,'Dubois'),(7,'Rossi'),(8,'Johansson'),(9,'Tanaka'),(10,'Öztürk'),(11,'Brown'),
        (12,'Schmidt'),(13,'Novák'),(14,'Silva'),(15,'D''Angelo')),
    p1(k, v) AS (VALUES (0,'Acme'),(1,'Nordic'),(2,'Global'),(3,'Alpen'),(4,'Pacific'),(5,'Atlas'),
        (6,'Union'),(7,'Vertex'),(8,'Königs'),(9,'Baltic')),
    p2(k, v) AS (VALUES (0,'Supplies'),(1,'Trading'),(2,'Industries'),(3,'Logistik'),(4,'Components'),
        (5,'Parts'),(6,'& Söhne'),(7,'Works')),
    p3(k, v) AS (VALUES (0,'GmbH'),(1,'Ltd'),(2,'S.A.'),(3,'AG'),(4,'KG')),
    x AS (SELECT c.i AS i,
                 CASE WHEN c.i % 20 = 0 THEN 'private' WHEN c.i % 20 < 4 THEN 'business'
                      ELSE 'retail' END AS segment,
                 f.v AS first_name, l.v AS last_name,
                 p1.v || ' ' || p2.v || ' ' || p3.v AS company_name
          FROM c
          CROSS JOIN first_names f ON f.k = (c.i * 7) % 20
          CROSS JOIN last_names  l ON l.k = (c.i * 13) % 16
          CROSS JOIN p1 ON p1.k = c.i % 10
          CROSS JOIN p2 ON p2.k = (c.i / 10) % 8
          CROSS JOIN p3 ON p3.k = (c.i / 80) % 5)
INSERT INTO customers (customer_id, full_name, national_id, email, segment, created_at, risk_score, photo)
SELECT 10000000 + i,
       CASE WHEN segment = 'business' THEN company_name ELSE first_name || ' ' || last_name END,
       CASE WHEN i % 5 = 0 THEN NULL ELSE 'ID-' || printf('%09d', (i * 982451653) % 1000000000) END,
       CASE WHEN (i * 37) % 10 < 6 THEN NULL ELSE lower(first_name) || '.' || i || '@mail.example' END,
       segment,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 1104537600 + i * 63000 + (i * 7919) % 3600, 'unixepoch'),
       CASE WHEN i % 10 < 3 THEN NULL ELSE ((i * 7919) % 1000000) / 9999.0 END,
       CASE WHEN i % 10 <> 0 THEN NULL
            ELSE CAST(X'89504E470D0A1A0A' || printf('%08x', (i * 2654435761) % 4294967296) AS BLOB) END
FROM x;

-- accounts: 20,000 (2 per customer), valid DE / CH IBANs ---------------------------
WITH RECURSIVE
    c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000),
    x AS (SELECT i,
                 i % 15 = 0 AS is_ch,
                 CASE WHEN i % 15 = 0 THEN (i * 7919 + 3200000000) % 1000000000000
                      ELSE (i * 7919 + 530000000) % 10000000000 END AS acct
          FROM c)
INSERT INTO accounts (iban, customer_id, currency, opened_on, status, overdraft_limit, interest_rate)
SELECT CASE WHEN is_ch
            THEN 'CH' || printf('%02d', 98 - (77 + (acct % 97) * 27) % 97) || '00762' || printf('%012d', acct)
            ELSE 'DE' || printf('%02d', 98 - (30 + (acct % 97) * 27) % 97) || '37040044' || printf('%010d', acct) END,
       10000000 + 1 + (i * 7919) % 10000,
       CASE WHEN is_ch THEN 'CHF' WHEN i % 40 = 7 THEN 'USD' ELSE 'EUR' END,
       date('2005-01-01', '+' || ((i * 7919) % 7670) || ' days'),
       CASE WHEN i % 20 = 0 THEN 'closed' WHEN i % 20 = 1 THEN 'dormant' ELSE 'active' END,
       CASE WHEN i % 10 < 7 THEN NULL ELSE CASE i % 4 WHEN 0 THEN 500 WHEN 1 THEN 1000 WHEN 2 THEN 2500 ELSE 5000 END END,
       ((i * 13) % 351) / 10000.0
FROM x;

-- Accounts are numbered 1..20000 by IBAN in BINARY order (= PostgreSQL COLLATE "C").
-- balances: 3 month-ends per account = 60,000 ------------------------------------
WITH
    a AS (SELECT iban, overdraft_limit, row_number() OVER (ORDER BY iban) AS rn FROM accounts),
    d(n, as_of) AS (VALUES (1, '2025-10-31'), (2, '2025-11-30'), (3, '2025-12-31')),
    x AS (SELECT a.iban, a.overdraft_limit, d.as_of,
                 (a.rn * 7919 + d.n * 104729) % 5000000 - 500000 AS amt,
                 (a.rn * 31 + d.n * 7) % 20000 AS hold
          FROM a CROSS JOIN d)
INSERT INTO balances (iban, as_of, amount, available)
SELECT iban, as_of, amt / 100.0, (amt + coalesce(overdraft_limit, 0) * 100 - hold) / 100.0
FROM x;

-- transactions: 20,000 ---------------------------------------------------------------
-- Same formulas as PostgreSQL with N = 20000: booked_at spread evenly over
-- 2023-01-01 .. 2025-12-31 UTC; every 5th transaction goes to one of 500 busy accounts.
-- local_booked_at = Europe/Berlin wall clock (CET/CEST; DST from the last Sunday of
-- March 01:00 UTC to the last Sunday of October 01:00 UTC), computed without a tz database.
WITH RECURSIVE
    c(t) AS (SELECT 1 UNION ALL SELECT t + 1 FROM c WHERE t < 20000),
    a AS (SELECT iban, currency, row_number() OVER (ORDER BY iban) AS rn FROM accounts),
    counterparties(k, v) AS (VALUES (0,'REWE Markt GmbH'),(1,'Amazon EU S.à r.l.'),(2,'Deutsche Bahn AG'),
        (3,'Lidl Dienstleistung'),(4,'Stadtwerke München'),(5,'Spotify AB'),(6,'O''Neil''s Irish Pub'),
        (7,'Café Zoë'),(8,'Müller Drogerie'),(9,'PayPal (Europe) S.à r.l. et Cie, S.C.A.'),
        (10,'ACME Payroll Services'),(11,'Shell Station 24/7'),(12,'Finanzamt Köln-Süd'),
        (13,'IKEA Deutschland'),(14,'Łódź Kebab & Grill'),(15,'Vermieter Hausverwaltung')),
    credit_cats(k, v) AS (VALUES (0,'salary'),(1,'transfer'),(2,'refund')),
    debit_cats(k, v) AS (VALUES (0,'groceries'),(1,'travel'),(2,'utilities'),(3,'rent'),
        (4,'entertainment'),(5,'fees'),(6,'shopping'),(7,'dining')),
    x AS (SELECT t,
                 1672531200 + (t - 1) * 94694399 / 20000 AS ts,
                 CASE WHEN t % 5 = 0 THEN 1 + (((t / 5) * 7919) % 500) * 40
                      ELSE 1 + ((t - t / 5) * 7919) % 20000 END AS acct_rn,
                 CASE WHEN t % 100000 = 1 THEN 1
                      WHEN t % 100000 = 2 THEN -1
                      WHEN t % 10 = 0 THEN (t * 7919) % 400000 + 100
                      ELSE -((t * 104729) % 50000 + 1) END AS cents
          FROM c),
    y AS (SELECT x.*,
                 CAST(strftime('%s', strftime('%Y', ts, 'unixepoch') || '-03-25', 'weekday 0', '+1 hour') AS INTEGER) AS dst_start,
                 CAST(strftime('%s', strftime('%Y', ts, 'unixepoch') || '-10-25', 'weekday 0', '+1 hour') AS INTEGER) AS dst_end
          FROM x)
INSERT INTO transactions (transaction_id, iban, booked_at, value_date, amount, currency, counterparty, reference, category, local_booked_at)
SELECT y.t,
       a.iban,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', y.ts, 'unixepoch'),
       date(y.ts + CASE WHEN y.t % 3 = 0 THEN 86400 ELSE 0 END, 'unixepoch'),
       y.cents / 100.0,
       a.currency,
       CASE WHEN (y.t * 7) % 10 < 4 THEN NULL
            ELSE (SELECT v FROM counterparties WHERE k = (y.t * 31) % 16) END,
       CASE WHEN (y.t * 11) % 10 < 3 THEN NULL
            WHEN y.t % 4 = 0 THEN 'SEPA-LS Mandat M-' || printf('%06d', (y.t * 7919) % 1000000)
            ELSE 'REF-' || printf('%08d', (y.t * 7919) % 100000000) END,
       CASE WHEN y.cents > 0
            THEN (SELECT v FROM credit_cats WHERE k = y.t % 3)
            ELSE (SELECT v FROM debit_cats WHERE k = (y.t * 13) % 8) END,
       datetime(y.ts + 3600 * CASE WHEN y.ts >= y.dst_start AND y.ts < y.dst_end THEN 2 ELSE 1 END, 'unixepoch')
FROM y CROSS JOIN a ON a.rn = y.acct_rn;

CREATE INDEX ix_transactions_booked_at ON transactions (booked_at);
CREATE INDEX ix_transactions_iban      ON transactions (iban);

-- cards: 15,000 (each on a different account), version-4-shaped UUIDs ----------------
WITH RECURSIVE
    c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 15000),
    a AS (SELECT iban, row_number() OVER (ORDER BY iban) AS rn FROM accounts)
INSERT INTO cards (card_id, iban, pan_last4, network, expires_on, is_virtual, daily_limit)
SELECT printf('%08x-%04x-4%03x-%x%03x-%012x',
              (c.i * 2654435761) % 4294967296,
              (c.i * 40503) % 65536,
              (c.i * 2897) % 4096,
              8 + c.i % 4,
              (c.i * 1013) % 4096,
              (c.i * 173961102589771 + 19088743) % 281474976710656),
       a.iban,
       printf('%04d', (c.i * 7919) % 10000),
       CASE WHEN c.i % 10 < 4 THEN 'visa' WHEN c.i % 10 < 7 THEN 'mastercard'
            WHEN c.i % 10 < 9 THEN 'girocard' ELSE 'amex' END,
       date('2025-01-01', '+' || ((c.i * 7) % 72 + 1) || ' months', '-1 day'),
       c.i % 4 = 0,
       CASE WHEN c.i % 10 < 3 THEN NULL
            ELSE CASE c.i % 4 WHEN 0 THEN 500 WHEN 1 THEN 1000 WHEN 2 THEN 2000 ELSE 5000 END END
FROM c CROSS JOIN a ON a.rn = 1 + (c.i * 7919) % 20000;

-- loans: 3,000 -----------------------------------------------------------------------
WITH RECURSIVE
    c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 3000),
    terms(k, months) AS (VALUES (0,12),(1,24),(2,36),(3,48),(4,60),(5,84),(6,120),(7,240),(8,360))
INSERT INTO loans (loan_id, customer_id, principal, annual_rate, term_months, started_at, big_counter)
SELECT c.i,
       10000000 + 1 + (c.i * 7919) % 10000,
       (500000 + (c.i * 102947) % 49500000) / 100.0,
       (150 + (c.i * 37) % 850) / 10000.0,
       terms.months,
       datetime(1262304000 + c.i * 100000 + (c.i * 7919) % 86400, 'unixepoch'),
       CASE WHEN c.i = 1 THEN 9223372036854775807                 -- int64 max
            WHEN c.i = 2 THEN -9223372036854775807 - 1            -- int64 min
            WHEN c.i % 10 = 0 THEN 9007199254740993 + c.i         -- beyond 2^53
            ELSE c.i * 1000 END
FROM c CROSS JOIN terms ON terms.k = c.i % 9;

COMMIT;
