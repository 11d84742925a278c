-- =============================================================================
-- OData Virtualization - demo core-banking database (MySQL 8 / MariaDB 10.11)
--
-- Run against an EMPTY database (any default collation; the tests use the
-- case-insensitive utf8mb4_general_ci most installations have):
--   mariadb --default-character-set=utf8mb4 -e "CREATE DATABASE bank"
--   mariadb --default-character-set=utf8mb4 bank < seed-data/mysql/bank.sql
--
-- Mirrors seed-data/postgres/bank.sql: same table names, column names, keys,
-- foreign keys, view and rows (PostgreSQL's schema "core" is flattened, as in
-- SQLite). loans.term (interval, up to 360 months) has no MySQL type and is
-- omitted. transactions holds 20,000 rows (the formulas of the PostgreSQL
-- script with N = 20,000, exactly as SQLite's), so the tests load it in seconds.
--
-- Types: numeric -> DECIMAL (exact), double precision -> DOUBLE, boolean ->
-- TINYINT(1), timestamp -> DATETIME, timestamptz -> TIMESTAMP (an instant; the
-- script runs in UTC), uuid -> CHAR(36), bytea -> BLOB, enum -> ENUM.
-- Collations: the database's default. No two keys differ only in case or
-- accents; numbering "by IBAN" uses COLLATE utf8mb4_bin (code point order =
-- PostgreSQL's COLLATE "C" = SQLite's BINARY).
-- Deterministic: the counter table _counter (dropped at the end) and integer
-- arithmetic (DIV between integers).
-- =============================================================================

SET NAMES utf8mb4;
SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION';
SET SESSION time_zone = '+00:00';
SET SESSION explicit_defaults_for_timestamp = 1;

-- -----------------------------------------------------------------------------
-- Tables
-- -----------------------------------------------------------------------------
CREATE TABLE customers (
    customer_id  BIGINT        NOT NULL PRIMARY KEY,
    full_name    TEXT          NOT NULL,
    national_id  VARCHAR(20),
    email        VARCHAR(120),
    segment      ENUM('retail', 'private', 'business') NOT NULL,
    created_at   TIMESTAMP     NOT NULL,
    risk_score   DOUBLE,
    photo        BLOB
);

CREATE TABLE accounts (
    iban            VARCHAR(34)    NOT NULL PRIMARY KEY,
    customer_id     BIGINT         NOT NULL,
    currency        CHAR(3)        NOT NULL,
    opened_on       DATE           NOT NULL,
    status          VARCHAR(10)    NOT NULL,
    overdraft_limit DECIMAL(18,2),
    interest_rate   DECIMAL(6,4)   NOT NULL,
    FOREIGN KEY (customer_id) REFERENCES customers (customer_id)
);

CREATE TABLE balances (
    iban       VARCHAR(34)    NOT NULL,
    as_of      DATE           NOT NULL,
    amount     DECIMAL(18,2)  NOT NULL,
    available  DECIMAL(18,2)  NOT NULL,
    PRIMARY KEY (iban, as_of),
    FOREIGN KEY (iban) REFERENCES accounts (iban)
);

CREATE TABLE transactions (
    transaction_id  BIGINT         NOT NULL PRIMARY KEY,
    iban            VARCHAR(34)    NOT NULL,
    booked_at       TIMESTAMP      NOT NULL,
    value_date      DATE           NOT NULL,
    amount          DECIMAL(18,2)  NOT NULL,
    currency        CHAR(3)        NOT NULL,
    counterparty    VARCHAR(140),
    reference       TEXT,
    category        VARCHAR(30)    NOT NULL,
    local_booked_at DATETIME       NOT NULL,
    KEY ix_transactions_iban (iban),
    KEY ix_transactions_booked_at (booked_at),
    FOREIGN KEY (iban) REFERENCES accounts (iban)
);

CREATE TABLE cards (
    card_id      CHAR(36)      NOT NULL PRIMARY KEY,
    iban         VARCHAR(34)   NOT NULL,
    pan_last4    CHAR(4)       NOT NULL,
    network      VARCHAR(10)   NOT NULL,
    expires_on   DATE          NOT NULL,
    is_virtual   TINYINT(1)    NOT NULL,
    daily_limit  INT,
    FOREIGN KEY (iban) REFERENCES accounts (iban)
);

CREATE TABLE loans (
    loan_id      INT            NOT NULL PRIMARY KEY,
    customer_id  BIGINT         NOT NULL,
    principal    DECIMAL(18,2)  NOT NULL,
    annual_rate  DECIMAL(6,4)   NOT NULL,
    term_months  SMALLINT       NOT NULL,
    started_at   DATETIME       NOT NULL,
    big_counter  BIGINT         NOT NULL,
    FOREIGN KEY (customer_id) REFERENCES customers (customer_id)
);

-- -----------------------------------------------------------------------------
-- Views (no primary key: the server has to be told a key in configuration)
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
-- =============================================================================
CREATE TABLE _counter (i INT NOT NULL PRIMARY KEY);
INSERT INTO _counter (i)
SELECT d0.d + 10 * d1.d + 100 * d2.d + 1000 * d3.d + 10000 * d4.d
FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS d0
CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS d1
CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS d2
CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS d3
CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) AS d4;

-- customers: 10,000 (customer_id 10000001..10010000) ------------------------------
INSERT INTO customers (customer_id, full_name, national_id, email, segment, created_at, risk_score, photo)
SELECT 10000000 + i,
       CASE WHEN x.segment = 'business'
            THEN ELT(1 + i % 10, 'Acme','Nordic','Global','Alpen','Pacific','Atlas','Union','Vertex','Königs','Baltic')
                 || ' ' || ELT(1 + (i DIV 10) % 8, 'Supplies','Trading','Industries','Logistik','Components','Parts','& Söhne','Works')
                 || ' ' || ELT(1 + (i DIV 80) % 5, 'GmbH','Ltd','S.A.','AG','KG')
            ELSE x.first_name || ' ' || x.last_name END,
       CASE WHEN i % 5 = 0 THEN NULL
            ELSE 'ID-' || LPAD((i * 982451653) % 1000000000, 9, '0') END,
       CASE WHEN (i * 37) % 10 < 6 THEN NULL
            ELSE lower(x.first_name) || '.' || i || '@mail.example' END,
       x.segment,
       FROM_UNIXTIME(1104537600 + i * 63000 + (i * 7919) % 3600),
       CASE WHEN i % 10 < 3 THEN NULL ELSE CAST((i * 7919) % 1000000 AS DOUBLE) / 9999 END,
       CASE WHEN i % 10 <> 0 THEN NULL
            ELSE CONCAT(UNHEX('89504E470D0A1A0A'),
                        CAST(LPAD(LOWER(HEX((i * 2654435761) % 4294967296)), 8, '0') AS BINARY)) END
FROM (SELECT i,
             CASE WHEN i % 20 = 0 THEN 'private' WHEN i % 20 < 4 THEN 'business' ELSE 'retail' END AS segment,
             ELT(1 + (i * 7) % 20, 'Anna','Ben','Chloé','David','Elif','Finn','Greta','Hiroshi','Inès','Jonas',
                 'Karin','Liam','Maja','Noah','Olga','Pierre','Sean','Rosa','Sven','Zoë') AS first_name,
             ELT(1 + (i * 13) % 16, 'Smith','Müller','O''Neil','García','Nguyen','Kowalski','Dubois','Rossi',
                 'Johansson','Tanaka','Öztürk','Brown','Schmidt','Novák','Silva','D''Angelo') AS last_name
      FROM _counter WHERE i BETWEEN 1 AND 10000) AS x;

-- accounts: 20,000 (2 per customer) -----------------------------------------------
-- Valid IBANs (ISO 13616 mod-97 check digits): DE (22 chars), every 15th CH (21 chars).
INSERT INTO accounts (iban, customer_id, currency, opened_on, status, overdraft_limit, interest_rate)
SELECT CASE WHEN x.is_ch
            THEN 'CH' || LPAD(98 - (77 + (x.acct % 97) * 27) % 97, 2, '0') || '00762' || LPAD(x.acct, 12, '0')
            ELSE 'DE' || LPAD(98 - (30 + (x.acct % 97) * 27) % 97, 2, '0') || '37040044' || LPAD(x.acct, 10, '0') END,
       10000000 + 1 + (i * 7919) % 10000,
       CASE WHEN x.is_ch THEN 'CHF' WHEN i % 40 = 7 THEN 'USD' ELSE 'EUR' END,
       DATE '2005-01-01' + INTERVAL ((i * 7919) % 7670) DAY,
       CASE WHEN i % 20 = 0 THEN 'closed' WHEN i % 20 = 1 THEN 'dormant' ELSE 'active' END,
       CASE WHEN i % 10 < 7 THEN NULL ELSE ELT(1 + i % 4, 500, 1000, 2500, 5000) END,
       ((i * 13) % 351) / 10000.0
FROM (SELECT i,
             i % 15 = 0 AS is_ch,
             CASE WHEN i % 15 = 0 THEN (i * 7919 + 3200000000) % 1000000000000
                  ELSE (i * 7919 + 530000000) % 10000000000 END AS acct
      FROM _counter WHERE i BETWEEN 1 AND 20000) AS x;

-- Accounts are numbered 1..20000 by IBAN in code point order (= COLLATE "C").
CREATE TABLE _accounts_rn (rn INT NOT NULL PRIMARY KEY, iban VARCHAR(34) NOT NULL, currency CHAR(3) NOT NULL, overdraft_limit DECIMAL(18,2));
INSERT INTO _accounts_rn (rn, iban, currency, overdraft_limit)
SELECT row_number() OVER (ORDER BY iban COLLATE utf8mb4_bin), iban, currency, overdraft_limit FROM accounts;

-- balances: 3 month-ends per account = 60,000 ------------------------------------
INSERT INTO balances (iban, as_of, amount, available)
SELECT x.iban, x.as_of, x.amt / 100.0, (x.amt + coalesce(x.overdraft_limit, 0) * 100 - x.hold) / 100.0
FROM (SELECT a.iban, a.overdraft_limit, d.as_of,
             (a.rn * 7919 + d.n * 104729) % 5000000 - 500000 AS amt,
             (a.rn * 31 + d.n * 7) % 20000 AS hold
      FROM _accounts_rn AS a
      CROSS JOIN (SELECT 1 AS n, DATE '2025-10-31' AS as_of UNION ALL SELECT 2, DATE '2025-11-30'
                  UNION ALL SELECT 3, DATE '2025-12-31') AS d) AS x;

-- transactions: 20,000 ---------------------------------------------------------------
-- booked_at spread evenly over 2023-01-01 .. 2025-12-31 UTC; every 5th transaction goes
-- to one of 500 busy accounts. local_booked_at = Europe/Berlin wall clock (CET/CEST; DST
-- from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC),
-- computed without a time zone table.
INSERT INTO transactions (transaction_id, iban, booked_at, value_date, amount, currency, counterparty, reference, category, local_booked_at)
SELECT y.t,
       a.iban,
       FROM_UNIXTIME(y.ts),
       DATE(FROM_UNIXTIME(y.ts + CASE WHEN y.t % 3 = 0 THEN 86400 ELSE 0 END)),
       y.cents / 100.0,
       a.currency,
       CASE WHEN (y.t * 7) % 10 < 4 THEN NULL
            ELSE ELT(1 + (y.t * 31) % 16, 'REWE Markt GmbH','Amazon EU S.à r.l.','Deutsche Bahn AG','Lidl Dienstleistung',
                     'Stadtwerke München','Spotify AB','O''Neil''s Irish Pub','Café Zoë','Müller Drogerie',
                     'PayPal (Europe) S.à r.l. et Cie, S.C.A.','ACME Payroll Services','Shell Station 24/7',
                     'Finanzamt Köln-Süd','IKEA Deutschland','Łódź Kebab & Grill','Vermieter Hausverwaltung') END,
       CASE WHEN (y.t * 11) % 10 < 3 THEN NULL
            WHEN y.t % 4 = 0 THEN 'SEPA-LS Mandat M-' || LPAD((y.t * 7919) % 1000000, 6, '0')
            ELSE 'REF-' || LPAD((y.t * 7919) % 100000000, 8, '0') END,
       CASE WHEN y.cents > 0
            THEN ELT(1 + y.t % 3, 'salary','transfer','refund')
            ELSE ELT(1 + (y.t * 13) % 8, 'groceries','travel','utilities','rent','entertainment','fees','shopping','dining') END,
       FROM_UNIXTIME(y.ts + 3600 * CASE WHEN y.ts >= y.dst_start AND y.ts < y.dst_end THEN 2 ELSE 1 END)
FROM (SELECT x.*,
             UNIX_TIMESTAMP(x.march - INTERVAL (DAYOFWEEK(x.march) - 1) DAY + INTERVAL 1 HOUR) AS dst_start,
             UNIX_TIMESTAMP(x.october - INTERVAL (DAYOFWEEK(x.october) - 1) DAY + INTERVAL 1 HOUR) AS dst_end
      FROM (SELECT c.*,
                   CAST(CONCAT(YEAR(FROM_UNIXTIME(c.ts)), '-03-31 00:00:00') AS DATETIME) AS march,
                   CAST(CONCAT(YEAR(FROM_UNIXTIME(c.ts)), '-10-31 00:00:00') AS DATETIME) AS october
            FROM (SELECT i AS t,
                         1672531200 + (i - 1) * 94694399 DIV 20000 AS ts,
                         CASE WHEN i % 5 = 0 THEN 1 + (((i DIV 5) * 7919) % 500) * 40
                              ELSE 1 + ((i - i DIV 5) * 7919) % 20000 END AS acct_rn,
                         CASE WHEN i % 100000 = 1 THEN 1
                              WHEN i % 100000 = 2 THEN -1
                              WHEN i % 10 = 0 THEN (i * 7919) % 400000 + 100
                              ELSE -((i * 104729) % 50000 + 1) END AS cents
                  FROM _counter WHERE i BETWEEN 1 AND 20000) AS c) AS x) AS y
JOIN _accounts_rn AS a ON a.rn = y.acct_rn;

-- cards: 15,000 (each on a different account), version-4-shaped UUIDs ----------------
INSERT INTO cards (card_id, iban, pan_last4, network, expires_on, is_virtual, daily_limit)
SELECT LPAD(LOWER(HEX((c.i * 2654435761) % 4294967296)), 8, '0') || '-'
         || LPAD(LOWER(HEX((c.i * 40503) % 65536)), 4, '0') || '-4'
         || LPAD(LOWER(HEX((c.i * 2897) % 4096)), 3, '0') || '-'
         || LOWER(HEX(8 + c.i % 4)) || LPAD(LOWER(HEX((c.i * 1013) % 4096)), 3, '0') || '-'
         || LPAD(LOWER(HEX((c.i * 173961102589771 + 19088743) % 281474976710656)), 12, '0'),
       a.iban,
       LPAD((c.i * 7919) % 10000, 4, '0'),
       CASE WHEN c.i % 10 < 4 THEN 'visa' WHEN c.i % 10 < 7 THEN 'mastercard'
            WHEN c.i % 10 < 9 THEN 'girocard' ELSE 'amex' END,
       DATE '2025-01-01' + INTERVAL ((c.i * 7) % 72 + 1) MONTH - INTERVAL 1 DAY,
       c.i % 4 = 0,
       CASE WHEN c.i % 10 < 3 THEN NULL ELSE ELT(1 + c.i % 4, 500, 1000, 2000, 5000) END
FROM _counter AS c
JOIN _accounts_rn AS a ON a.rn = 1 + (c.i * 7919) % 20000
WHERE c.i BETWEEN 1 AND 15000;

-- loans: 3,000 -----------------------------------------------------------------------
INSERT INTO loans (loan_id, customer_id, principal, annual_rate, term_months, started_at, big_counter)
SELECT i,
       10000000 + 1 + (i * 7919) % 10000,
       (500000 + (i * 102947) % 49500000) / 100.0,
       (150 + (i * 37) % 850) / 10000.0,
       ELT(1 + i % 9, 12, 24, 36, 48, 60, 84, 120, 240, 360),
       FROM_UNIXTIME(1262304000 + i * 100000 + (i * 7919) % 86400),
       CASE WHEN i = 1 THEN 9223372036854775807                 -- int64 max
            WHEN i = 2 THEN -9223372036854775807 - 1            -- int64 min
            WHEN i % 10 = 0 THEN 9007199254740993 + i           -- beyond 2^53 (not exact in a double)
            ELSE i * 1000 END
FROM _counter WHERE i BETWEEN 1 AND 3000;

DROP TABLE _accounts_rn;
DROP TABLE _counter;
ANALYZE TABLE customers, accounts, balances, transactions, cards, loans;
