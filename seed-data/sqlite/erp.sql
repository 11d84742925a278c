-- =============================================================================
-- OData Virtualization - demo ERP database (SQLite)
--
-- One multi-statement script (plain SQL, no sqlite3 dot-commands), e.g. run
-- through Microsoft.Data.Sqlite or python3 sqlite3.executescript().
-- Mirrors seed-data/postgres/erp.sql: same table names, column names, keys and
-- foreign keys. PostgreSQL schemas (public/sales/inventory) are flattened.
-- PostgreSQL-only columns are omitted: products.tags (text[]),
-- payments.processing_time (interval).
--
-- Declared types: INTEGER, BIGINT, SMALLINT, TEXT, VARCHAR(n), CHAR(n),
-- NUMERIC(p,s), REAL, BOOLEAN (0/1), DATE ('YYYY-MM-DD'),
-- DATETIME ('YYYY-MM-DD HH:MM:SS', timestamp without time zone),
-- DATETIMEOFFSET ('YYYY-MM-DDTHH:MM:SS+00:00', timestamp with time zone),
-- TIME ('HH:MM:SS'), UUID (lower-case canonical text), JSON (text).
-- Deterministic: values come from WITH RECURSIVE counters; no random().
-- =============================================================================

PRAGMA foreign_keys = ON;

-- -----------------------------------------------------------------------------
-- Tables
-- -----------------------------------------------------------------------------
CREATE TABLE customers (
    customer_id   INTEGER        PRIMARY KEY,
    name          VARCHAR(100)   NOT NULL,
    country       CHAR(2)        NOT NULL,
    city          VARCHAR(60),
    email         VARCHAR(120),
    credit_limit  NUMERIC(12,2)  NOT NULL,
    created_at    DATETIME       NOT NULL,
    is_active     BOOLEAN        NOT NULL
);

CREATE TABLE suppliers (
    supplier_code VARCHAR(20)    PRIMARY KEY,
    name          VARCHAR(100)   NOT NULL,
    country       CHAR(2)        NOT NULL,
    rating        SMALLINT
);

CREATE TABLE "ProductCategories" (
    "CategoryId"       INTEGER PRIMARY KEY,
    "Name"             TEXT    NOT NULL,
    "ParentCategoryId" INTEGER REFERENCES "ProductCategories" ("CategoryId")
);

CREATE TABLE products (
    sku           VARCHAR(40)    PRIMARY KEY,
    name          TEXT           NOT NULL,
    category_id   INTEGER        NOT NULL REFERENCES "ProductCategories" ("CategoryId"),
    supplier_code VARCHAR(20)    NOT NULL REFERENCES suppliers (supplier_code),
    unit_price    NUMERIC(10,2)  NOT NULL,
    weight_kg     REAL,
    description   TEXT,
    discontinued  BOOLEAN        NOT NULL DEFAULT 0,
    attributes    JSON
);

CREATE TABLE warehouses (
    warehouse_code CHAR(4)       PRIMARY KEY,
    name           VARCHAR(100)  NOT NULL,
    city           VARCHAR(60)   NOT NULL,
    opens_at       TIME          NOT NULL,
    closes_at      TIME          NOT NULL
);

-- Deliberately WITHOUT a primary key.
CREATE TABLE exchange_rates (
    currency  CHAR(3)        NOT NULL,
    rate_date DATE           NOT NULL,
    rate      NUMERIC(18,6)  NOT NULL
);

CREATE TABLE stock_levels (
    warehouse_code  CHAR(4)      NOT NULL REFERENCES warehouses (warehouse_code),
    sku             VARCHAR(40)  NOT NULL REFERENCES products (sku),
    quantity        INTEGER      NOT NULL,
    reorder_level   INTEGER,
    last_counted_at DATETIMEOFFSET,
    PRIMARY KEY (warehouse_code, sku)
);

CREATE TABLE sales_orders (
    order_id      BIGINT         PRIMARY KEY,
    customer_id   INTEGER        NOT NULL REFERENCES customers (customer_id),
    order_date    DATE           NOT NULL,
    status        TEXT           NOT NULL CHECK (status IN ('draft', 'confirmed', 'shipped', 'cancelled')),
    ordered_at    DATETIMEOFFSET NOT NULL,
    shipped_at    DATETIMEOFFSET,
    total_amount  NUMERIC(14,2)  NOT NULL DEFAULT 0,
    currency      CHAR(3)        NOT NULL,
    notes         TEXT,
    "Priority"    SMALLINT       NOT NULL
);

CREATE TABLE order_lines (
    order_id      BIGINT         NOT NULL REFERENCES sales_orders (order_id),
    line_no       INTEGER        NOT NULL,
    sku           VARCHAR(40)    NOT NULL REFERENCES products (sku),
    quantity      INTEGER        NOT NULL,
    unit_price    NUMERIC(10,2)  NOT NULL,
    discount_pct  NUMERIC(5,2),
    line_total    NUMERIC(14,2)  NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE invoices (
    invoice_no    VARCHAR(20)    PRIMARY KEY,
    order_id      BIGINT         NOT NULL REFERENCES sales_orders (order_id),
    issued_on     DATE           NOT NULL,
    due_on        DATE           NOT NULL,
    amount        NUMERIC(14,2)  NOT NULL,
    paid          BOOLEAN        NOT NULL
);

CREATE TABLE payments (
    payment_id    UUID           PRIMARY KEY,
    invoice_no    VARCHAR(20)    NOT NULL REFERENCES invoices (invoice_no),
    paid_at       DATETIMEOFFSET NOT NULL,
    amount        NUMERIC(14,2)  NOT NULL,
    method        VARCHAR(20)    NOT NULL
);

CREATE TABLE audit_log (
    audit_id     BIGINT          PRIMARY KEY,
    happened_at  DATETIMEOFFSET  NOT NULL,
    detail       TEXT            NOT NULL
);

-- -----------------------------------------------------------------------------
-- Views (no primary key)
-- -----------------------------------------------------------------------------
CREATE VIEW order_summaries AS
SELECT o.order_id,
       o.customer_id,
       c.name           AS customer_name,
       o.order_date,
       count(l.line_no) AS line_count,
       o.total_amount
FROM sales_orders o
JOIN customers c ON c.customer_id = o.customer_id
LEFT JOIN order_lines l ON l.order_id = o.order_id
GROUP BY o.order_id, c.customer_id;

-- =============================================================================
-- Data
-- Joins in the generators are written as CROSS JOIN on purpose: in SQLite that
-- pins the join order (counter CTE outermost), so the planner can never re-run a
-- recursive counter inside a nested loop.
-- =============================================================================
BEGIN;

-- customers: 2,000 ------------------------------------------------------------
WITH RECURSIVE
    c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000),
    first_names(k, v) AS (VALUES (0,'Anna'),(1,'Ben'),(2,'Chloé'),(3,'David'),(4,'Elif'),(5,'Finn'),
        (6,'Greta'),(7,'Hiroshi'),(8,'Inès'),(9,'Jonas'),(10,'Karin'),(11,'Liam'),(12,'Maja'),(13,'Noah'),
        (14,'Olga'),(15,'Pierre'),(16,'Sean'),(17,'Rosa'),(18,'Sven'),(19,'Zoë')),
    last_names(k, v) AS (VALUES (0,'Smith'),(1,'Müller'),(2,'O''Neil'),(3,'García'),(4,'Nguyen'),
        (5,'Kowalski'),(6,'Dubois'),(7,'Rossi'),(8,'Johansson'),(9,'Tanaka'),(10,'Öztürk'),(11,'Brown'),
        (12,'Schmidt'),(13,'Novák'),(14,'Silva'),(15,'D''Angelo')),
    geo(k, country, city) AS (VALUES (0,'DE','München'),(1,'FR','Paris'),(2,'GB','London'),
        (3,'US','New York'),(4,'NL','Amsterdam'),(5,'SE','Göteborg'),(6,'IT','Milano'),(7,'ES','Sevilla'),
        (8,'PL','Kraków'),(9,'JP','Tokyo'))
INSERT INTO customers (customer_id, name, country, city, email, credit_limit, created_at, is_active)
SELECT c.i,
       f.v || ' ' || char(65 + (c.i * 11) % 26) || '. ' || l.v,
       g.country,
       CASE WHEN (c.i / 10) % 10 < 3 THEN NULL ELSE g.city END,
       CASE WHEN (c.i * 37) % 10 < 6 THEN NULL ELSE lower(f.v) || '.' || c.i || '@example.com' END,
       500 * (1 + (c.i * 31) % 100),
       datetime(1514764800 + c.i * 94608 + (c.i * 7919) % 86400, 'unixepoch'),
       c.i % 11 <> 0
FROM c
CROSS JOIN first_names f ON f.k = (c.i * 7) % 20
CROSS JOIN last_names  l ON l.k = (c.i * 13) % 16
CROSS JOIN geo         g ON g.k = c.i % 10;

-- suppliers: 200 -------------------------------------------------------------
WITH RECURSIVE
    c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200),
    p1(k, v) AS (VALUES (0,'Acme'),(1,'Nordic'),(2,'Global'),(3,'Alpen'),(4,'Pacific'),(5,'Atlas'),
        (6,'Union'),(7,'Vertex'),(8,'Königs'),(9,'Baltic')),
    p2(k, v) AS (VALUES (0,'Supplies'),(1,'Trading'),(2,'Industries'),(3,'Logistik'),(4,'Components'),
        (5,'Parts'),(6,'& Söhne'),(7,'Works')),
    p3(k, v) AS (VALUES (0,'GmbH'),(1,'Ltd'),(2,'S.A.')),
    countries(k, v) AS (VALUES (0,'DE'),(1,'FR'),(2,'GB'),(3,'US'),(4,'NL'),(5,'SE'),(6,'IT'),(7,'ES'),
        (8,'PL'),(9,'JP'))
INSERT INTO suppliers (supplier_code, name, country, rating)
SELECT printf('SUP-%04d', c.i),
       p1.v || ' ' || p2.v || ' ' || p3.v,
       countries.v,
       CASE WHEN c.i % 5 < 3 THEN NULL ELSE 1 + (c.i * 7) % 5 END
FROM c
CROSS JOIN p1 ON p1.k = c.i % 10
CROSS JOIN p2 ON p2.k = (c.i / 10) % 8
CROSS JOIN p3 ON p3.k = c.i / 80
CROSS JOIN countries ON countries.k = (c.i * 3) % 10;

-- ProductCategories: 30 (3-level hierarchy) -----------------------------------
INSERT INTO "ProductCategories" ("CategoryId", "Name", "ParentCategoryId") VALUES
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
WITH RECURSIVE
    c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 994),
    adjectives(k, v) AS (VALUES (0,'Pro'),(1,'Eco'),(2,'Compact'),(3,'Premium'),(4,'Basic'),(5,'Ultra'),
        (6,'Classic'),(7,'Smart')),
    nouns(k, v) AS (VALUES (0,'Workstation'),(1,'Desk Phone'),(2,'HDMI Cable'),(3,'Copy Paper A4'),
        (4,'Ballpoint Pen'),(5,'Lever Arch File'),(6,'Standing Desk'),(7,'Office Chair'),(8,'Shelf Unit'),
        (9,'Angle Grinder'),(10,'Screwdriver Set'),(11,'Laser Distance Meter'),(12,'Shipping Box'),
        (13,'Packing Tape'),(14,'Euro Pallet'),(15,'Espresso Beans 1kg'),(16,'Granola Bar'),
        (17,'Sparkling Water 12×0.5l'),(18,'Notebook 14"'),(19,'Mini PC'),(20,'Smartphone'),(21,'USB-C Hub'),
        (22,'Ergonomic Chair'),(23,'Cordless Drill 18V')),
    colors(k, v) AS (VALUES (0,'black'),(1,'white'),(2,'silver'),(3,'red'),(4,'blue'),(5,'green')),
    w AS (SELECT c.i AS i,
                 7 + (c.i * 11) % 24 AS category_id,
                 a.v || ' ' || n.v AS base_name,
                 col.v AS color
          FROM c
          CROSS JOIN adjectives a ON a.k = (c.i * 3) % 8
          CROSS JOIN nouns n      ON n.k = (c.i * 11) % 24
          CROSS JOIN colors col   ON col.k = c.i % 6)
INSERT INTO products (sku, name, category_id, supplier_code, unit_price, weight_kg, description, discontinued, attributes)
SELECT printf('SKU-%05d', i),
       base_name || ' ' || char(65 + (i * 7) % 26) || '-' || (100 + (i * 37) % 900),
       category_id,
       printf('SUP-%04d', 1 + (i * 17) % 200),
       (99 + (i * 7919) % 99900) / 100.0,
       CASE WHEN (i * 13) % 10 < 5 THEN NULL ELSE (5 + (i * 37) % 5000) / 100.0 END,
       CASE WHEN (i * 7) % 10 < 7 THEN NULL
            ELSE base_name || ' for everyday business use.'
                 || CASE WHEN i % 3 = 0
                         THEN char(10) || 'Care: wipe with a damp cloth; do not use "harsh" cleaners.'
                         ELSE '' END END,
       i % 17 = 0,
       CASE WHEN i % 3 <> 0 THEN NULL
            WHEN i % 9 = 0 THEN
                 '{"eco": ' || CASE WHEN i % 2 = 0 THEN 'true' ELSE 'false' END
                 || ', "color": "' || color
                 || '", "dimensions_cm": {"h": ' || (10 + i % 50) || ', "w": ' || (20 + i % 70)
                 || '}, "warranty_years": ' || (i % 5) || '}'
            ELSE '{"eco": ' || CASE WHEN i % 2 = 0 THEN 'true' ELSE 'false' END
                 || ', "color": "' || color || '", "warranty_years": ' || (i % 5) || '}' END
FROM w;

-- Hostile text keys (identical to the PostgreSQL script).
INSERT INTO products (sku, name, category_id, supplier_code, unit_price, weight_kg, description, discontinued, attributes)
VALUES
    ('O''Brien 50%',    'O''Brien Irish Coffee Mug (50% off)',        22, 'SUP-0001',   9.99, 0.35,
     'Mug with a 50% discount sticker; "limited" edition.', 0, '{"color": "green"}'),
    ('Größe/Ü#1',       'Arbeitshandschuhe Größe Ü (Übergröße) #1',  17, 'SUP-0002',  14.50, NULL,
     NULL, 0, NULL),
    ('a?b c',           'Mystery Box a?b c',                          19, 'SUP-0003',   1.00, 2.5,
     'What is inside? Nobody knows.', 0, NULL),
    ('A&B+C=D',         'Formula Whiteboard A&B+C=D',                 12, 'SUP-0004',  89.00, 7.25,
     NULL, 1, '{"eco": false, "color": "white", "warranty_years": 2}'),
    ('back\slash %2F',  'Path Label Printer back\slash',              20, 'SUP-0005', 129.95, 1.1,
     'Prints C:\temp\labels and /var/spool paths.', 0, NULL),
    ('日本-カタログ ☕',  'Japanese Sencha 日本茶 ☕',                    22, 'SUP-0006',  12.40, 0.2,
     NULL, 0, '{"color": "緑"}');

-- warehouses: 8 ----------------------------------------------------------------
INSERT INTO warehouses (warehouse_code, name, city, opens_at, closes_at) VALUES
    ('BER1', 'Berlin Central',        'Berlin',     '06:00:00', '22:00:00'),
    ('HAM1', 'Hamburg Port',          'Hamburg',    '05:30:00', '21:30:00'),
    ('MUC1', 'München Süd',           'München',    '07:00:00', '19:00:00'),
    ('DÜS1', 'Düsseldorf Nord',       'Düsseldorf', '08:00:00', '18:00:00'),
    ('PAR1', 'Paris Roissy',          'Paris',      '06:00:00', '20:00:00'),
    ('LON1', 'London Park Royal',     'London',     '07:00:00', '23:00:00'),
    ('WAW1', 'Warszawa Okęcie',       'Warszawa',   '00:00:00', '23:59:59'),
    ('NYC1', 'New Jersey Cross-Dock', 'Newark',     '08:30:15', '17:45:30');

-- stock_levels: exactly 5 of 8 warehouses per product = 5,000 -------------------
-- Numbering by key in BINARY (byte) order = PostgreSQL COLLATE "C".
WITH
    p AS (SELECT sku, row_number() OVER (ORDER BY sku) AS rn FROM products),
    w AS (SELECT warehouse_code, row_number() OVER (ORDER BY warehouse_code) AS wn FROM warehouses)
INSERT INTO stock_levels (warehouse_code, sku, quantity, reorder_level, last_counted_at)
SELECT w.warehouse_code,
       p.sku,
       (p.rn * 31 + w.wn * 17) % 500,
       CASE WHEN (p.rn + w.wn) % 5 < 2 THEN NULL ELSE 10 * (1 + (p.rn * w.wn) % 10) END,
       CASE WHEN (p.rn * 3 + w.wn) % 4 = 0 THEN NULL
            ELSE strftime('%Y-%m-%dT%H:%M:%S+00:00',
                          1735689600 + (p.rn * 7919 + w.wn * 104729) % 31536000, 'unixepoch') END
FROM p CROSS JOIN w
WHERE (p.rn * 7 + w.wn * 3) % 8 < 5;

-- sales_orders: 20,000 (order_id 5000000001..5000020000, 2023-01-01..2025-12-31) ---
WITH RECURSIVE
    c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000),
    notes(k, v) AS (VALUES (0,'Leave parcel at reception.'),
        (1,'Call before delivery; ask for Mr. O''Neil.'),
        (2,'Rush order — customer said "ASAP!"'),
        (3,'Zustellung über den Hintereingang (Tor 3).'),
        (4,'Line 1 of delivery address' || char(10) || 'Line 2: Building B, 3rd floor'),
        (5,'Ship with invoice & packing slip <b>in box</b>; 100% check.')),
    x AS (SELECT i,
                 1672531200 + (i - 1) * 4734 + (i * 7919) % 4700 AS ts,
                 1 + (i * 7919) % 2000 AS customer_id,
                 CASE WHEN (i * 13) % 20 < 2  THEN 'draft'
                      WHEN (i * 13) % 20 < 4  THEN 'cancelled'
                      WHEN (i * 13) % 20 < 11 THEN 'confirmed'
                      ELSE 'shipped' END AS status
          FROM c)
INSERT INTO sales_orders (order_id, customer_id, order_date, status, ordered_at, shipped_at, currency, notes, "Priority")
SELECT 5000000000 + x.i,
       x.customer_id,
       date(x.ts, 'unixepoch'),
       x.status,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', x.ts, 'unixepoch'),
       CASE WHEN x.status = 'shipped'
            THEN strftime('%Y-%m-%dT%H:%M:%S+00:00',
                          x.ts + 86400 * (1 + x.i % 5) + (x.i * 31) % 36000, 'unixepoch') END,
       CASE x.customer_id % 10 WHEN 2 THEN 'GBP' WHEN 3 THEN 'USD' WHEN 5 THEN 'SEK'
                               WHEN 8 THEN 'PLN' WHEN 9 THEN 'JPY' ELSE 'EUR' END,
       CASE WHEN (x.i * 17) % 20 < 17 THEN NULL
            ELSE (SELECT v FROM notes WHERE notes.k = x.i % 6) END,
       1 + (x.i * 7) % 5
FROM x;

-- order_lines: 1..5 lines per order = 60,000 --------------------------------------
-- line_total in integer cents (round half up), same formula as PostgreSQL.
WITH RECURSIVE
    c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000),
    line(k) AS (VALUES (1),(2),(3),(4),(5)),
    p AS (SELECT sku, CAST(round(unit_price * 100) AS INTEGER) AS price_cents,
                 row_number() OVER (ORDER BY sku) AS rn
          FROM products),
    x AS (SELECT c.i AS i, line.k AS k,
                 1 + (c.i * line.k * 13) % 10 AS qty,
                 CASE WHEN (c.i + line.k) % 5 < 3 THEN NULL ELSE 250 * (1 + (c.i + line.k) % 4) END AS dbp,
                 1 + (c.i * 31 + line.k * 97) % 1000 AS prod_rn
          FROM c CROSS JOIN line ON line.k <= 1 + (c.i * 7) % 5)
INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price, discount_pct, line_total)
SELECT 5000000000 + x.i,
       x.k,
       p.sku,
       x.qty,
       p.price_cents / 100.0,
       x.dbp / 100.0,
       ((x.qty * p.price_cents * (10000 - coalesce(x.dbp, 0)) + 5000) / 10000) / 100.0
FROM x CROSS JOIN p ON p.rn = x.prod_rn;

UPDATE sales_orders
SET total_amount = (SELECT round(sum(l.line_total), 2) FROM order_lines l
                    WHERE l.order_id = sales_orders.order_id);

-- invoices: one per confirmed/shipped order = 16,000 -----------------------------
INSERT INTO invoices (invoice_no, order_id, issued_on, due_on, amount, paid)
SELECT 'INV-' || strftime('%Y', o.order_date) || '-'
           || printf('%06d', row_number() OVER (PARTITION BY strftime('%Y', o.order_date) ORDER BY o.order_id)),
       o.order_id,
       date(o.order_date, '+1 day'),
       date(o.order_date, '+31 days'),
       o.total_amount,
       (o.order_id * 17) % 4 <> 0
FROM sales_orders o
WHERE o.status IN ('confirmed', 'shipped');

-- payments: one per paid invoice = 12,000 -----------------------------------------
WITH
    methods(k, v) AS (VALUES (0,'card'),(1,'transfer'),(2,'direct_debit'),(3,'paypal')),
    x AS (SELECT inv.*, inv.order_id - 5000000000 AS n FROM invoices inv WHERE inv.paid)
INSERT INTO payments (payment_id, invoice_no, paid_at, amount, method)
SELECT '00000000-0000-4000-8000-' || printf('%012d', x.n),
       x.invoice_no,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', x.issued_on,
                '+' || (86400 * ((x.n * 7) % 40) + 28800 + (x.n * 7919) % 36000) || ' seconds'),
       x.amount,
       m.v
FROM x CROSS JOIN methods m ON m.k = x.n % 4;

-- audit_log: 500 --------------------------------------------------------------------
WITH RECURSIVE
    c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 500),
    users(k, v) AS (VALUES (0,'alice'),(1,'bob'),(2,'chloé'),(3,'dmitri'),(4,'erin')),
    actions(k, v) AS (VALUES (0,'created'),(1,'updated'),(2,'cancelled'),(3,'exported'),(4,'viewed'))
INSERT INTO audit_log (audit_id, happened_at, detail)
SELECT c.i,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', 1735689600 + c.i * 60000 + (c.i * 7919) % 3600, 'unixepoch'),
       'user ' || u.v || ' ' || a.v || ' order ' || (5000000000 + 1 + (c.i * 7919) % 20000)
FROM c
CROSS JOIN users u   ON u.k = c.i % 5
CROSS JOIN actions a ON a.k = (c.i * 3) % 5;

-- exchange_rates (no key): 5 currencies x 60 days = 300 -------------------------------
WITH RECURSIVE
    c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 299),
    cur(k, code, base) AS (VALUES (0,'USD',1.0834),(1,'GBP',0.8412),(2,'CHF',0.9387),(3,'JPY',161.23),
        (4,'SEK',11.4925))
INSERT INTO exchange_rates (currency, rate_date, rate)
SELECT cur.code,
       date('2025-01-01', '+' || (c.i / 5) || ' days'),
       round(cur.base * (1 + ((c.i * 7919) % 2001 - 1000) / 50000.0), 6)
FROM c CROSS JOIN cur ON cur.k = c.i % 5;

COMMIT;
