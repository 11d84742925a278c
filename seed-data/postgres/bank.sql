-- =============================================================================
-- OData Virtualization - demo core-banking database (PostgreSQL 15)
--
-- Run against an EMPTY database:
--   psql -v ON_ERROR_STOP=1 -d bank -f seed-data/postgres/bank.sql
--
-- Fully deterministic: every value is derived from generate_series counters
-- with integer arithmetic (no random()). Tables live in schema "core";
-- "public" exists (PostgreSQL default) but is left empty.
-- core.transactions holds exactly 1,000,000 rows.
-- =============================================================================

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET TimeZone = 'UTC';                   -- timestamptz arithmetic independent of server settings
SET client_min_messages = warning;

-- -----------------------------------------------------------------------------
-- Schemas and types
-- -----------------------------------------------------------------------------
CREATE SCHEMA core;

CREATE TYPE core.customer_segment AS ENUM ('retail', 'private', 'business');

-- -----------------------------------------------------------------------------
-- Tables
-- -----------------------------------------------------------------------------
CREATE TABLE core.customers (
    customer_id  bigint                   PRIMARY KEY,
    full_name    text                     NOT NULL,
    national_id  varchar(20),                         -- ~20 % NULL
    email        varchar(120),                        -- ~60 % NULL
    segment      core.customer_segment    NOT NULL,
    created_at   timestamp with time zone NOT NULL,
    risk_score   double precision,                    -- ~30 % NULL, full double precision
    photo        bytea                                -- ~90 % NULL, 16 bytes (PNG signature + 8 bytes)
);

CREATE TABLE core.accounts (
    iban            varchar(34)    PRIMARY KEY,        -- valid DE (22 chars) / CH (21 chars) IBANs
    customer_id     bigint         NOT NULL REFERENCES core.customers (customer_id),
    currency        char(3)        NOT NULL,
    opened_on       date           NOT NULL,
    status          varchar(10)    NOT NULL,
    overdraft_limit numeric(18,2),                     -- ~70 % NULL
    interest_rate   numeric(6,4)   NOT NULL
);

CREATE TABLE core.balances (
    iban       varchar(34)    NOT NULL REFERENCES core.accounts (iban),
    as_of      date           NOT NULL,
    amount     numeric(18,2)  NOT NULL,
    available  numeric(18,2)  NOT NULL,
    PRIMARY KEY (iban, as_of)
);

CREATE TABLE core.transactions (
    transaction_id  bigint                   PRIMARY KEY,
    iban            varchar(34)              NOT NULL,  -- FK to core.accounts added after the bulk load
    booked_at       timestamp with time zone NOT NULL,   -- 2023-01-01 .. 2025-12-31 UTC
    value_date      date                     NOT NULL,
    amount          numeric(18,2)            NOT NULL,   -- negative and positive, exact cents
    currency        char(3)                  NOT NULL,
    counterparty    varchar(140),                        -- ~40 % NULL
    reference       text,                                -- ~30 % NULL
    category        varchar(30)              NOT NULL,
    local_booked_at timestamp without time zone NOT NULL -- booked_at in Europe/Berlin wall-clock time
);

CREATE TABLE core.cards (
    card_id      uuid          PRIMARY KEY,
    iban         varchar(34)   NOT NULL REFERENCES core.accounts (iban),
    pan_last4    char(4)       NOT NULL,
    network      varchar(10)   NOT NULL,
    expires_on   date          NOT NULL,
    is_virtual   boolean       NOT NULL,
    daily_limit  integer                              -- ~30 % NULL
);

CREATE TABLE core.loans (
    loan_id      integer                     PRIMARY KEY,
    customer_id  bigint                      NOT NULL REFERENCES core.customers (customer_id),
    principal    numeric(18,2)               NOT NULL,
    annual_rate  numeric(6,4)                NOT NULL,
    term_months  smallint                    NOT NULL,
    started_at   timestamp without time zone NOT NULL,
    term         interval                    NOT NULL,  -- PostgreSQL only
    big_counter  bigint                      NOT NULL   -- includes values > 2^53 and int64 min/max
);

-- -----------------------------------------------------------------------------
-- Views (no primary key: the server has to be told a key in configuration)
-- -----------------------------------------------------------------------------
CREATE VIEW core.account_overview AS
SELECT a.iban,
       a.customer_id,
       c.full_name,
       a.currency,
       (SELECT b.amount FROM core.balances b
        WHERE b.iban = a.iban
        ORDER BY b.as_of DESC
        LIMIT 1) AS latest_balance
FROM core.accounts a
JOIN core.customers c ON c.customer_id = a.customer_id;

-- =============================================================================
-- Data
-- =============================================================================

-- customers: 10,000 (customer_id 10000001..10010000) ------------------------------
INSERT INTO core.customers
      (customer_id, full_name, national_id, email, segment, created_at, risk_score, photo)
SELECT 10000000 + i,
       CASE WHEN x.segment = 'business'
            THEN (ARRAY['Acme','Nordic','Global','Alpen','Pacific','Atlas','Union','Vertex','Königs','Baltic'])[1 + i % 10]
                 || ' ' || (ARRAY['Supplies','Trading','Industries','Logistik','Components','Parts','& Söhne','Works'])[1 + (i / 10) % 8]
                 || ' ' || (ARRAY['GmbH','Ltd','S.A.','AG','KG'])[1 + (i / 80) % 5]
            ELSE x.first_name || ' ' || x.last_name END,
       CASE WHEN i % 5 = 0 THEN NULL
            ELSE 'ID-' || lpad(((i::bigint * 982451653) % 1000000000)::text, 9, '0') END,
       CASE WHEN (i * 37) % 10 < 6 THEN NULL
            ELSE lower(x.first_name) || '.' || i || '@mail.example' END,
       x.segment::core.customer_segment,
       to_timestamp(1104537600 + i::bigint * 63000 + (i * 7919) % 3600),
       CASE WHEN i % 10 < 3 THEN NULL ELSE ((i * 7919) % 1000000)::double precision / 9999 END,
       CASE WHEN i % 10 <> 0 THEN NULL
            ELSE decode('89504e470d0a1a0a', 'hex')
                 || convert_to(lpad(to_hex((i::bigint * 2654435761) % 4294967296), 8, '0'), 'UTF8') END
FROM generate_series(1, 10000) AS i
CROSS JOIN LATERAL (
    SELECT CASE WHEN i % 20 = 0 THEN 'private' WHEN i % 20 < 4 THEN 'business' ELSE 'retail' END AS segment,
           (ARRAY['Anna','Ben','Chloé','David','Elif','Finn','Greta','Hiroshi','Inès','Jonas',
                  'Karin','Liam','Maja','Noah','Olga','Pierre','Sean','Rosa','Sven','Zoë'])[1 + (i * 7) % 20] AS first_name,
           (ARRAY['Smith','Müller','O''Neil','García','Nguyen','Kowalski','Dubois','Rossi',
                  'Johansson','Tanaka','Öztürk','Brown','Schmidt','Novák','Silva','D''Angelo'])[1 + (i * 13) % 16] AS last_name
) AS x;

-- accounts: 20,000 (2 per customer) -----------------------------------------------
-- Valid IBANs (ISO 13616 mod-97 check digits):
--   DE: 'DE' + check + BLZ 37040044 + 10-digit account          (22 chars)
--   CH: 'CH' + check + bank 00762   + 12-digit account          (21 chars), every 15th account
-- check = 98 - ((bank part mod 97 contribution) + (account mod 97) * (10^6 mod 97)) mod 97
INSERT INTO core.accounts
      (iban, customer_id, currency, opened_on, status, overdraft_limit, interest_rate)
SELECT CASE WHEN x.is_ch
            THEN 'CH' || lpad((98 - (77 + (x.acct % 97) * 27) % 97)::text, 2, '0')
                 || '00762' || lpad(x.acct::text, 12, '0')
            ELSE 'DE' || lpad((98 - (30 + (x.acct % 97) * 27) % 97)::text, 2, '0')
                 || '37040044' || lpad(x.acct::text, 10, '0') END,
       10000000 + 1 + (i * 7919) % 10000,
       CASE WHEN x.is_ch THEN 'CHF' WHEN i % 40 = 7 THEN 'USD' ELSE 'EUR' END,
       date '2005-01-01' + (i * 7919) % 7670,
       CASE WHEN i % 20 = 0 THEN 'closed' WHEN i % 20 = 1 THEN 'dormant' ELSE 'active' END,
       CASE WHEN i % 10 < 7 THEN NULL ELSE (ARRAY[500, 1000, 2500, 5000])[1 + i % 4] END,
       ((i * 13) % 351) / 10000.0
FROM generate_series(1, 20000) AS i
CROSS JOIN LATERAL (
    SELECT i % 15 = 0 AS is_ch,
           CASE WHEN i % 15 = 0 THEN (i::bigint * 7919 + 3200000000) % 1000000000000
                ELSE (i::bigint * 7919 + 530000000) % 10000000000 END AS acct
) AS x;

-- Accounts are numbered 1..20000 by IBAN in byte order (COLLATE "C"; same as SQLite BINARY).
-- balances: 3 month-ends per account = 60,000 ------------------------------------
INSERT INTO core.balances (iban, as_of, amount, available)
SELECT a.iban,
       d.as_of,
       x.amt / 100.0,
       (x.amt + coalesce(a.overdraft_limit, 0) * 100 - x.hold) / 100.0
FROM (SELECT iban, overdraft_limit, row_number() OVER (ORDER BY iban COLLATE "C") AS rn
      FROM core.accounts) AS a
CROSS JOIN (VALUES (1, date '2025-10-31'), (2, date '2025-11-30'), (3, date '2025-12-31')) AS d(n, as_of)
CROSS JOIN LATERAL (
    SELECT (a.rn * 7919 + d.n * 104729) % 5000000 - 500000 AS amt,
           (a.rn * 31 + d.n * 7) % 20000 AS hold
) AS x;

-- transactions: exactly 1,000,000 ---------------------------------------------------
-- booked_at spread evenly over 2023-01-01 00:00:00 .. 2025-12-31 23:59:59 UTC,
-- transaction_id ascending with time; every 5th transaction goes to one of 500 "busy" accounts.
INSERT INTO core.transactions
      (transaction_id, iban, booked_at, value_date, amount, currency, counterparty, reference, category, local_booked_at)
SELECT t,
       a.iban,
       x.booked_at,
       (x.booked_at AT TIME ZONE 'UTC')::date + CASE WHEN t % 3 = 0 THEN 1 ELSE 0 END,
       x.cents / 100.0,
       a.currency,
       CASE WHEN (t * 7) % 10 < 4 THEN NULL
            ELSE (ARRAY['REWE Markt GmbH','Amazon EU S.à r.l.','Deutsche Bahn AG','Lidl Dienstleistung',
                        'Stadtwerke München','Spotify AB','O''Neil''s Irish Pub','Café Zoë','Müller Drogerie',
                        'PayPal (Europe) S.à r.l. et Cie, S.C.A.','ACME Payroll Services','Shell Station 24/7',
                        'Finanzamt Köln-Süd','IKEA Deutschland','Łódź Kebab & Grill','Vermieter Hausverwaltung'])[1 + (t * 31) % 16] END,
       CASE WHEN (t * 11) % 10 < 3 THEN NULL
            WHEN t % 4 = 0 THEN 'SEPA-LS Mandat M-' || lpad(((t * 7919) % 1000000)::text, 6, '0')
            ELSE 'REF-' || lpad(((t * 7919) % 100000000)::text, 8, '0') END,
       CASE WHEN x.cents > 0
            THEN (ARRAY['salary','transfer','refund'])[1 + t % 3]
            ELSE (ARRAY['groceries','travel','utilities','rent','entertainment','fees','shopping','dining'])[1 + (t * 13) % 8] END,
       x.booked_at AT TIME ZONE 'Europe/Berlin'
FROM generate_series(1::bigint, 1000000) AS t
CROSS JOIN LATERAL (
    SELECT to_timestamp(1672531200 + (t - 1)::bigint * 94694399 / 1000000) AS booked_at,
           CASE WHEN t % 5 = 0 THEN 1 + (((t / 5) * 7919) % 500) * 40          -- 500 busy accounts
                ELSE 1 + ((t - t / 5) * 7919) % 20000 END AS acct_rn,         -- all accounts, evenly
           CASE WHEN t % 100000 = 1 THEN 1                                    -- 0.01
                WHEN t % 100000 = 2 THEN -1                                   -- -0.01
                WHEN t % 10 = 0 THEN (t * 7919) % 400000 + 100                -- credits
                ELSE -((t * 104729) % 50000 + 1) END AS cents                 -- debits
) AS x
JOIN (SELECT iban, currency, row_number() OVER (ORDER BY iban COLLATE "C") AS rn
      FROM core.accounts) AS a ON a.rn = x.acct_rn;

-- Foreign key and secondary indexes are created after the bulk insert (much faster
-- than checking/maintaining them row by row).
ALTER TABLE core.transactions
    ADD CONSTRAINT transactions_iban_fkey FOREIGN KEY (iban) REFERENCES core.accounts (iban);
CREATE INDEX ix_transactions_booked_at ON core.transactions (booked_at);
CREATE INDEX ix_transactions_iban      ON core.transactions (iban);

-- cards: 15,000 (each on a different account) --------------------------------------
-- card_id: deterministic version-4-shaped UUIDs; the last group is a bijection of i, so unique.
INSERT INTO core.cards (card_id, iban, pan_last4, network, expires_on, is_virtual, daily_limit)
SELECT (lpad(to_hex((i::bigint * 2654435761) % 4294967296), 8, '0') || '-'
        || lpad(to_hex((i * 40503) % 65536), 4, '0') || '-4'
        || lpad(to_hex((i * 2897) % 4096), 3, '0') || '-'
        || to_hex(8 + i % 4) || lpad(to_hex((i * 1013) % 4096), 3, '0') || '-'
        || lpad(to_hex((i::bigint * 173961102589771 + 19088743) % 281474976710656), 12, '0'))::uuid,
       a.iban,
       lpad(((i * 7919) % 10000)::text, 4, '0'),
       CASE WHEN i % 10 < 4 THEN 'visa' WHEN i % 10 < 7 THEN 'mastercard'
            WHEN i % 10 < 9 THEN 'girocard' ELSE 'amex' END,
       (date '2025-01-01' + ((i * 7) % 72 + 1) * interval '1 month' - interval '1 day')::date,
       i % 4 = 0,
       CASE WHEN i % 10 < 3 THEN NULL ELSE (ARRAY[500, 1000, 2000, 5000])[1 + i % 4] END
FROM generate_series(1, 15000) AS i
JOIN (SELECT iban, row_number() OVER (ORDER BY iban COLLATE "C") AS rn FROM core.accounts) AS a
  ON a.rn = 1 + (i * 7919) % 20000;

-- loans: 3,000 -----------------------------------------------------------------------
INSERT INTO core.loans
      (loan_id, customer_id, principal, annual_rate, term_months, started_at, term, big_counter)
SELECT i,
       10000000 + 1 + (i * 7919) % 10000,
       (500000 + (i::bigint * 102947) % 49500000) / 100.0,
       (150 + (i * 37) % 850) / 10000.0,
       x.term_months,
       to_timestamp(1262304000 + i::bigint * 100000 + (i * 7919) % 86400) AT TIME ZONE 'UTC',
       make_interval(months => x.term_months),
       CASE WHEN i = 1 THEN 9223372036854775807                 -- int64 max
            WHEN i = 2 THEN -9223372036854775807 - 1            -- int64 min
            WHEN i % 10 = 0 THEN 9007199254740993 + i           -- beyond 2^53 (not exact in a double)
            ELSE i::bigint * 1000 END
FROM generate_series(1, 3000) AS i
CROSS JOIN LATERAL (
    SELECT (ARRAY[12, 24, 36, 48, 60, 84, 120, 240, 360])[1 + i % 9]::smallint AS term_months
) AS x;

ANALYZE;
