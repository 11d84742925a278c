-- =============================================================================
-- OData Virtualization - demo ERP database (PostgreSQL 15)
--
-- Run against an EMPTY database:
--   psql -v ON_ERROR_STOP=1 -d erp -f seed-data/postgres/erp.sql
--
-- Fully deterministic: every value is derived from generate_series counters
-- with integer arithmetic (no random()). Schemas: public, sales, inventory.
-- =============================================================================

SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;   -- backslashes in literals are literal
SET TimeZone = 'UTC';                   -- timestamptz arithmetic independent of server settings
SET client_min_messages = warning;

-- -----------------------------------------------------------------------------
-- Schemas and types
-- -----------------------------------------------------------------------------
CREATE SCHEMA sales;
CREATE SCHEMA inventory;

CREATE TYPE sales.order_status AS ENUM ('draft', 'confirmed', 'shipped', 'cancelled');

-- -----------------------------------------------------------------------------
-- Tables
-- -----------------------------------------------------------------------------
CREATE TABLE public.customers (
    customer_id   integer        PRIMARY KEY,
    name          varchar(100)   NOT NULL,
    country       char(2)        NOT NULL,
    city          varchar(60),                       -- ~30 % NULL
    email         varchar(120),                      -- ~60 % NULL
    credit_limit  numeric(12,2)  NOT NULL,
    created_at    timestamp without time zone NOT NULL,
    is_active     boolean        NOT NULL
);

CREATE TABLE public.suppliers (
    supplier_code varchar(20)    PRIMARY KEY,        -- text key: 'SUP-0001'
    name          varchar(100)   NOT NULL,
    country       char(2)        NOT NULL,
    rating        smallint                           -- ~60 % NULL
);

-- Mixed-case quoted identifiers, self-referencing hierarchy.
CREATE TABLE public."ProductCategories" (
    "CategoryId"       integer PRIMARY KEY,
    "Name"             text    NOT NULL,
    "ParentCategoryId" integer REFERENCES public."ProductCategories" ("CategoryId")
);

CREATE TABLE public.products (
    sku           varchar(40)    PRIMARY KEY,        -- text key, 6 hostile values
    name          text           NOT NULL,
    category_id   integer        NOT NULL REFERENCES public."ProductCategories" ("CategoryId"),
    supplier_code varchar(20)    NOT NULL REFERENCES public.suppliers (supplier_code),
    unit_price    numeric(10,2)  NOT NULL,
    weight_kg     real,                              -- ~50 % NULL, float4
    description   text,                              -- ~70 % NULL, some multi-line
    discontinued  boolean        NOT NULL DEFAULT false,
    tags          text[],                            -- PostgreSQL only
    attributes    jsonb                              -- ~67 % NULL
);

CREATE TABLE public.warehouses (
    warehouse_code char(4)       PRIMARY KEY,
    name           varchar(100)  NOT NULL,
    city           varchar(60)   NOT NULL,
    opens_at       time          NOT NULL,
    closes_at      time          NOT NULL
);

-- Deliberately WITHOUT a primary key (the server should report it as skipped).
CREATE TABLE public.exchange_rates (
    currency  char(3)        NOT NULL,
    rate_date date           NOT NULL,
    rate      numeric(18,6)  NOT NULL
);

CREATE TABLE inventory.stock_levels (
    warehouse_code  char(4)      NOT NULL REFERENCES public.warehouses (warehouse_code),
    sku             varchar(40)  NOT NULL REFERENCES public.products (sku),
    quantity        integer      NOT NULL,
    reorder_level   integer,                         -- ~40 % NULL
    last_counted_at timestamp with time zone,        -- ~25 % NULL
    PRIMARY KEY (warehouse_code, sku)
);

CREATE TABLE sales.sales_orders (
    order_id      bigint         PRIMARY KEY,        -- values > 2^32
    customer_id   integer        NOT NULL REFERENCES public.customers (customer_id),
    order_date    date           NOT NULL,
    status        sales.order_status NOT NULL,
    ordered_at    timestamp with time zone NOT NULL,
    shipped_at    timestamp with time zone,          -- ~55 % NULL
    total_amount  numeric(14,2)  NOT NULL DEFAULT 0,
    currency      char(3)        NOT NULL,
    notes         text,                              -- ~85 % NULL
    "Priority"    smallint       NOT NULL            -- mixed-case quoted column
);

CREATE TABLE sales.order_lines (
    order_id      bigint         NOT NULL REFERENCES sales.sales_orders (order_id),
    line_no       integer        NOT NULL,
    sku           varchar(40)    NOT NULL REFERENCES public.products (sku),
    quantity      integer        NOT NULL,
    unit_price    numeric(10,2)  NOT NULL,
    discount_pct  numeric(5,2),                      -- ~60 % NULL
    line_total    numeric(14,2)  NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE sales.invoices (
    invoice_no    varchar(20)    PRIMARY KEY,        -- 'INV-2024-000001'
    order_id      bigint         NOT NULL REFERENCES sales.sales_orders (order_id),
    issued_on     date           NOT NULL,
    due_on        date           NOT NULL,
    amount        numeric(14,2)  NOT NULL,
    paid          boolean        NOT NULL
);

CREATE TABLE sales.payments (
    payment_id      uuid           PRIMARY KEY,
    invoice_no      varchar(20)    NOT NULL REFERENCES sales.invoices (invoice_no),
    paid_at         timestamp with time zone NOT NULL,
    amount          numeric(14,2)  NOT NULL,
    method          varchar(20)    NOT NULL,
    processing_time interval       NOT NULL        -- PostgreSQL only
);

-- Exists to demonstrate exclusion patterns (e.g. "*.audit_log").
CREATE TABLE sales.audit_log (
    audit_id     bigint                    PRIMARY KEY,
    happened_at  timestamp with time zone  NOT NULL,
    detail       text                      NOT NULL
);

-- -----------------------------------------------------------------------------
-- Views (no primary key: the server has to be told a key in configuration)
-- -----------------------------------------------------------------------------
CREATE VIEW sales.order_summaries AS
SELECT o.order_id,
       o.customer_id,
       c.name                    AS customer_name,
       o.order_date,
       count(l.line_no)::integer AS line_count,
       o.total_amount
FROM sales.sales_orders o
JOIN public.customers c ON c.customer_id = o.customer_id
LEFT JOIN sales.order_lines l ON l.order_id = o.order_id
GROUP BY o.order_id, c.customer_id;

-- =============================================================================
-- Data
-- =============================================================================

-- customers: 2,000 ------------------------------------------------------------
INSERT INTO public.customers
      (customer_id, name, country, city, email, credit_limit, created_at, is_active)
SELECT i,
       n.first_name || ' ' || chr(65 + (i * 11) % 26) || '. ' || n.last_name,
       (ARRAY['DE','FR','GB','US','NL','SE','IT','ES','PL','JP'])[1 + i % 10],
       CASE WHEN (i / 10) % 10 < 3 THEN NULL
            ELSE (ARRAY['München','Paris','London','New York','Amsterdam',
                        'Göteborg','Milano','Sevilla','Kraków','Tokyo'])[1 + i % 10] END,
       CASE WHEN (i * 37) % 10 < 6 THEN NULL
            ELSE lower(n.first_name) || '.' || i || '@example.com' END,
       500 * (1 + (i * 31) % 100),
       to_timestamp(1514764800 + i * 94608 + (i * 7919) % 86400) AT TIME ZONE 'UTC',
       i % 11 <> 0
FROM generate_series(1, 2000) AS i
CROSS JOIN LATERAL (
    SELECT (ARRAY['Anna','Ben','Chloé','David','Elif','Finn','Greta','Hiroshi','Inès','Jonas',
                  'Karin','Liam','Maja','Noah','Olga','Pierre','Sean','Rosa','Sven','Zoë'])[1 + (i * 7) % 20] AS first_name,
           (ARRAY['Smith','Müller','O''Neil','García','Nguyen','Kowalski','Dubois','Rossi',
                  'Johansson','Tanaka','Öztürk','Brown','Schmidt','Novák','Silva','D''Angelo'])[1 + (i * 13) % 16] AS last_name
) AS n;

-- suppliers: 200 -------------------------------------------------------------
INSERT INTO public.suppliers (supplier_code, name, country, rating)
SELECT 'SUP-' || lpad(i::text, 4, '0'),
       (ARRAY['Acme','Nordic','Global','Alpen','Pacific','Atlas','Union','Vertex','Königs','Baltic'])[1 + i % 10]
         || ' ' || (ARRAY['Supplies','Trading','Industries','Logistik','Components','Parts','& Söhne','Works'])[1 + (i / 10) % 8]
         || ' ' || (ARRAY['GmbH','Ltd','S.A.'])[1 + i / 80],
       (ARRAY['DE','FR','GB','US','NL','SE','IT','ES','PL','JP'])[1 + (i * 3) % 10],
       CASE WHEN i % 5 < 3 THEN NULL ELSE 1 + (i * 7) % 5 END
FROM generate_series(1, 200) AS i;

-- ProductCategories: 30 (3-level hierarchy) -----------------------------------
INSERT INTO public."ProductCategories" ("CategoryId", "Name", "ParentCategoryId") VALUES
    ( 1, 'Electronics',         NULL),
    ( 2, 'Office Supplies',     NULL),
    ( 3, 'Furniture',           NULL),
    ( 4, 'Tools',               NULL),
    ( 5, 'Packaging',           NULL),
    ( 6, 'Food & Beverage',     NULL),
    ( 7, 'Computers',           1),
    ( 8, 'Phones',              1),
    ( 9, 'Cables & Adapters',   1),
    (10, 'Paper',               2),
    (11, 'Writing Instruments', 2),
    (12, 'Filing',              2),
    (13, 'Desks',               3),
    (14, 'Chairs',              3),
    (15, 'Storage',             3),
    (16, 'Power Tools',         4),
    (17, 'Hand Tools',          4),
    (18, 'Measuring',           4),
    (19, 'Boxes',               5),
    (20, 'Tape & Labels',       5),
    (21, 'Pallets',             5),
    (22, 'Coffee & Tea',        6),
    (23, 'Snacks',              6),
    (24, 'Beverages',           6),
    (25, 'Laptops',             7),
    (26, 'Desktops',            7),
    (27, 'Smartphones',         8),
    (28, 'USB-C',               9),
    (29, 'Ergonomic Chairs',   14),
    (30, 'Cordless Drills',    16);

-- products: 994 regular + 6 hostile keys = 1,000 --------------------------------
INSERT INTO public.products
      (sku, name, category_id, supplier_code, unit_price, weight_kg, description, discontinued, tags, attributes)
SELECT 'SKU-' || lpad(i::text, 5, '0'),
       w.base_name || ' ' || chr(65 + (i * 7) % 26) || '-' || (100 + (i * 37) % 900),
       w.category_id,
       'SUP-' || lpad((1 + (i * 17) % 200)::text, 4, '0'),
       (99 + (i * 7919) % 99900) / 100.0,
       CASE WHEN (i * 13) % 10 < 5 THEN NULL ELSE (5 + (i * 37) % 5000) / 100.0 END,
       CASE WHEN (i * 7) % 10 < 7 THEN NULL
            ELSE w.base_name || ' for everyday business use.'
                 || CASE WHEN i % 3 = 0
                         THEN chr(10) || 'Care: wipe with a damp cloth; do not use "harsh" cleaners.'
                         ELSE '' END END,
       i % 17 = 0,
       CASE i % 4
            WHEN 0 THEN NULL
            WHEN 1 THEN ARRAY[]::text[]
            WHEN 2 THEN ARRAY[w.tag1]
            ELSE ARRAY[w.tag1, w.tag2] END,
       CASE WHEN i % 3 <> 0 THEN NULL
            WHEN i % 9 = 0 THEN jsonb_build_object(
                     'eco', i % 2 = 0,
                     'color', w.color,
                     'dimensions_cm', jsonb_build_object('h', 10 + i % 50, 'w', 20 + i % 70),
                     'warranty_years', i % 5)
            ELSE jsonb_build_object('eco', i % 2 = 0, 'color', w.color, 'warranty_years', i % 5) END
FROM generate_series(1, 994) AS i
CROSS JOIN LATERAL (
    SELECT 7 + (i * 11) % 24 AS category_id,
           (ARRAY['Pro','Eco','Compact','Premium','Basic','Ultra','Classic','Smart'])[1 + (i * 3) % 8]
             || ' ' ||
           (ARRAY['Workstation','Desk Phone','HDMI Cable','Copy Paper A4','Ballpoint Pen','Lever Arch File',
                  'Standing Desk','Office Chair','Shelf Unit','Angle Grinder','Screwdriver Set','Laser Distance Meter',
                  'Shipping Box','Packing Tape','Euro Pallet','Espresso Beans 1kg','Granola Bar','Sparkling Water 12×0.5l',
                  'Notebook 14"','Mini PC','Smartphone','USB-C Hub','Ergonomic Chair','Cordless Drill 18V'])[1 + (i * 11) % 24]
             AS base_name,
           (ARRAY['new','bestseller','eco','clearance','b2b','fragile','heavy','imported'])[1 + i % 8] AS tag1,
           (ARRAY['new','bestseller','eco','clearance','b2b','fragile','heavy','imported'])[1 + (i * 5 + 3) % 8] AS tag2,
           (ARRAY['black','white','silver','red','blue','green'])[1 + i % 6] AS color
) AS w;

-- Hostile text keys: apostrophe, percent, slash, '#', '?', space, '&', '+', '=',
-- backslash, an already-percent-encoded sequence, non-ASCII (Latin-1, CJK, U+2615).
INSERT INTO public.products
      (sku, name, category_id, supplier_code, unit_price, weight_kg, description, discontinued, tags, attributes)
VALUES
    ('O''Brien 50%',    'O''Brien Irish Coffee Mug (50% off)',        22, 'SUP-0001',   9.99, 0.35,
     'Mug with a 50% discount sticker; "limited" edition.', false, ARRAY['clearance'], '{"color": "green"}'),
    ('Größe/Ü#1',       'Arbeitshandschuhe Größe Ü (Übergröße) #1',  17, 'SUP-0002',  14.50, NULL,
     NULL, false, ARRAY['heavy','imported'], NULL),
    ('a?b c',           'Mystery Box a?b c',                          19, 'SUP-0003',   1.00, 2.5,
     'What is inside? Nobody knows.', false, ARRAY[]::text[], NULL),
    ('A&B+C=D',         'Formula Whiteboard A&B+C=D',                 12, 'SUP-0004',  89.00, 7.25,
     NULL, true, NULL, '{"eco": false, "color": "white", "warranty_years": 2}'),
    ('back\slash %2F',  'Path Label Printer back\slash',              20, 'SUP-0005', 129.95, 1.1,
     'Prints C:\temp\labels and /var/spool paths.', false, ARRAY['b2b'], NULL),
    ('日本-カタログ ☕',  'Japanese Sencha 日本茶 ☕',                    22, 'SUP-0006',  12.40, 0.2,
     NULL, false, ARRAY['imported','new'], '{"color": "緑"}');

-- warehouses: 8 ----------------------------------------------------------------
INSERT INTO public.warehouses (warehouse_code, name, city, opens_at, closes_at) VALUES
    ('BER1', 'Berlin Central',        'Berlin',     '06:00:00', '22:00:00'),
    ('HAM1', 'Hamburg Port',          'Hamburg',    '05:30:00', '21:30:00'),
    ('MUC1', 'München Süd',           'München',    '07:00:00', '19:00:00'),
    ('DÜS1', 'Düsseldorf Nord',       'Düsseldorf', '08:00:00', '18:00:00'),
    ('PAR1', 'Paris Roissy',          'Paris',      '06:00:00', '20:00:00'),
    ('LON1', 'London Park Royal',     'London',     '07:00:00', '23:00:00'),
    ('WAW1', 'Warszawa Okęcie',       'Warszawa',   '00:00:00', '23:59:59'),
    ('NYC1', 'New Jersey Cross-Dock', 'Newark',     '08:30:15', '17:45:30');

-- stock_levels: exactly 5 of 8 warehouses per product = 5,000 -------------------
-- Products/warehouses are numbered by byte order of their key (COLLATE "C"),
-- which is the same order SQLite's BINARY collation gives.
INSERT INTO inventory.stock_levels (warehouse_code, sku, quantity, reorder_level, last_counted_at)
SELECT w.warehouse_code,
       p.sku,
       (p.rn * 31 + w.wn * 17) % 500,
       CASE WHEN (p.rn + w.wn) % 5 < 2 THEN NULL ELSE 10 * (1 + (p.rn * w.wn) % 10) END,
       CASE WHEN (p.rn * 3 + w.wn) % 4 = 0 THEN NULL
            ELSE to_timestamp(1735689600 + (p.rn * 7919 + w.wn * 104729) % 31536000) END
FROM (SELECT sku, row_number() OVER (ORDER BY sku COLLATE "C") AS rn FROM public.products) AS p
CROSS JOIN (SELECT warehouse_code, row_number() OVER (ORDER BY warehouse_code COLLATE "C") AS wn
            FROM public.warehouses) AS w
WHERE (p.rn * 7 + w.wn * 3) % 8 < 5;

-- sales_orders: 20,000 (order_id 5000000001..5000020000, 2023-01-01..2025-12-31) ---
INSERT INTO sales.sales_orders
      (order_id, customer_id, order_date, status, ordered_at, shipped_at, currency, notes, "Priority")
SELECT 5000000000 + i,
       x.customer_id,
       (to_timestamp(x.ts) AT TIME ZONE 'UTC')::date,
       x.status::sales.order_status,
       to_timestamp(x.ts),
       CASE WHEN x.status = 'shipped'
            THEN to_timestamp(x.ts + 86400 * (1 + i % 5) + (i * 31) % 36000) END,
       CASE x.customer_id % 10 WHEN 2 THEN 'GBP' WHEN 3 THEN 'USD' WHEN 5 THEN 'SEK'
                               WHEN 8 THEN 'PLN' WHEN 9 THEN 'JPY' ELSE 'EUR' END,
       CASE WHEN (i * 17) % 20 < 17 THEN NULL
            ELSE (ARRAY['Leave parcel at reception.',
                        'Call before delivery; ask for Mr. O''Neil.',
                        'Rush order — customer said "ASAP!"',
                        'Zustellung über den Hintereingang (Tor 3).',
                        'Line 1 of delivery address' || chr(10) || 'Line 2: Building B, 3rd floor',
                        'Ship with invoice & packing slip <b>in box</b>; 100% check.'])[1 + i % 6] END,
       1 + (i * 7) % 5
FROM generate_series(1, 20000) AS i
CROSS JOIN LATERAL (
    SELECT 1672531200 + (i - 1)::bigint * 4734 + (i * 7919) % 4700 AS ts,
           1 + (i * 7919) % 2000 AS customer_id,
           CASE WHEN (i * 13) % 20 < 2  THEN 'draft'
                WHEN (i * 13) % 20 < 4  THEN 'cancelled'
                WHEN (i * 13) % 20 < 11 THEN 'confirmed'
                ELSE 'shipped' END AS status
) AS x;

-- order_lines: 1..5 lines per order = 60,000 --------------------------------------
-- line_total is computed in integer cents (round half up) so both dialects agree.
INSERT INTO sales.order_lines
      (order_id, line_no, sku, quantity, unit_price, discount_pct, line_total)
SELECT 5000000000 + o.i,
       k,
       p.sku,
       x.qty,
       p.unit_price,
       x.dbp / 100.0,
       ((x.qty * (p.unit_price * 100)::bigint * (10000 - coalesce(x.dbp, 0)) + 5000) / 10000) / 100.0
FROM generate_series(1, 20000) AS o(i)
CROSS JOIN LATERAL generate_series(1, 1 + (o.i * 7) % 5) AS k
CROSS JOIN LATERAL (
    SELECT 1 + (o.i * k * 13) % 10 AS qty,
           CASE WHEN (o.i + k) % 5 < 3 THEN NULL ELSE 250 * (1 + (o.i + k) % 4) END AS dbp,
           1 + (o.i * 31 + k * 97) % 1000 AS prod_rn
) AS x
JOIN (SELECT sku, unit_price, row_number() OVER (ORDER BY sku COLLATE "C") AS rn
      FROM public.products) AS p ON p.rn = x.prod_rn;

UPDATE sales.sales_orders AS o
SET total_amount = s.total
FROM (SELECT order_id, sum(line_total) AS total FROM sales.order_lines GROUP BY order_id) AS s
WHERE s.order_id = o.order_id;

-- invoices: one per confirmed/shipped order = 16,000 -----------------------------
INSERT INTO sales.invoices (invoice_no, order_id, issued_on, due_on, amount, paid)
SELECT 'INV-' || extract(year FROM o.order_date)::int || '-'
           || lpad(row_number() OVER (PARTITION BY extract(year FROM o.order_date) ORDER BY o.order_id)::text, 6, '0'),
       o.order_id,
       o.order_date + 1,
       o.order_date + 31,
       o.total_amount,
       (o.order_id * 17) % 4 <> 0
FROM sales.sales_orders AS o
WHERE o.status IN ('confirmed', 'shipped');

-- payments: one per paid invoice = 12,000 -----------------------------------------
INSERT INTO sales.payments (payment_id, invoice_no, paid_at, amount, method, processing_time)
SELECT ('00000000-0000-4000-8000-' || lpad(x.n::text, 12, '0'))::uuid,
       inv.invoice_no,
       (inv.issued_on::timestamp
          + (86400 * ((x.n * 7) % 40) + 28800 + (x.n * 7919) % 36000) * interval '1 second') AT TIME ZONE 'UTC',
       inv.amount,
       (ARRAY['card','transfer','direct_debit','paypal'])[1 + x.n % 4],
       make_interval(days => CASE WHEN x.n % 10 = 0 THEN 2 ELSE 0 END,
                     secs => ((x.n * 7919) % 5400000) / 1000.0)
FROM sales.invoices AS inv
CROSS JOIN LATERAL (SELECT inv.order_id - 5000000000 AS n) AS x
WHERE inv.paid;

-- audit_log: 500 --------------------------------------------------------------------
INSERT INTO sales.audit_log (audit_id, happened_at, detail)
SELECT i,
       to_timestamp(1735689600 + i * 60000 + (i * 7919) % 3600),
       'user ' || (ARRAY['alice','bob','chloé','dmitri','erin'])[1 + i % 5]
         || ' ' || (ARRAY['created','updated','cancelled','exported','viewed'])[1 + (i * 3) % 5]
         || ' order ' || (5000000000 + 1 + (i * 7919) % 20000)
FROM generate_series(1, 500) AS i;

-- exchange_rates (no key): 5 currencies x 60 days = 300 -------------------------------
INSERT INTO public.exchange_rates (currency, rate_date, rate)
SELECT (ARRAY['USD','GBP','CHF','JPY','SEK'])[1 + i % 5],
       date '2025-01-01' + i / 5,
       round((ARRAY[1.0834, 0.8412, 0.9387, 161.23, 11.4925])[1 + i % 5]
             * (1 + ((i * 7919) % 2001 - 1000) / 50000.0), 6)
FROM generate_series(0, 299) AS i;

ANALYZE;
