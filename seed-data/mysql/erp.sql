-- =============================================================================
-- OData Virtualization - demo ERP database (MySQL 8 / MariaDB 10.11)
--
-- Run against an EMPTY database (any default collation; the tests use the
-- case-insensitive utf8mb4_general_ci most installations have):
--   mariadb --default-character-set=utf8mb4 -e "CREATE DATABASE erp"
--   mariadb --default-character-set=utf8mb4 erp < seed-data/mysql/erp.sql
--
-- Mirrors seed-data/postgres/erp.sql: same table names, column names, keys,
-- foreign keys, view and rows, value for value. PostgreSQL's schemas
-- (public/sales/inventory) are flattened into the one database, as in SQLite.
-- products.tags (text[]) has no MySQL type and is omitted; payments.
-- processing_time (interval) is TIME(3) here (every value is below 838 h).
--
-- Types: PostgreSQL numeric -> DECIMAL (exact), boolean -> TINYINT(1),
-- timestamp -> DATETIME, timestamptz -> TIMESTAMP (an instant; the script runs
-- in UTC), time -> TIME, uuid -> CHAR(36), jsonb -> JSON, enum -> ENUM,
-- real -> FLOAT.
--
-- Collations: every text column keeps the database's default. No two keys of
-- this database differ only in case or accents, so a case-insensitive default
-- loads the same rows. Numbering "by key" uses COLLATE utf8mb4_bin (code point
-- order = PostgreSQL's COLLATE "C" = SQLite's BINARY).
--
-- attributes is written as the text PostgreSQL's jsonb prints (key order and
-- spacing), as in SQLite.
--
-- Deterministic: values come from the counter table _counter (0..99,999,
-- dropped at the end; no recursive CTE, whose depth MySQL limits to 1,000)
-- with integer arithmetic (DIV, never "/", between integers).
-- =============================================================================

SET NAMES utf8mb4;
-- ANSI_QUOTES: "Priority" is a quoted name as in PostgreSQL; NO_BACKSLASH_ESCAPES: 'back\slash' is literal.
SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION';
SET SESSION time_zone = '+00:00';
SET SESSION explicit_defaults_for_timestamp = 1;

-- -----------------------------------------------------------------------------
-- Tables
-- -----------------------------------------------------------------------------
CREATE TABLE customers (
    customer_id   INT            NOT NULL PRIMARY KEY,
    name          VARCHAR(100)   NOT NULL,
    country       CHAR(2)        NOT NULL,
    city          VARCHAR(60),
    email         VARCHAR(120),
    credit_limit  DECIMAL(12,2)  NOT NULL,
    created_at    DATETIME       NOT NULL,
    is_active     TINYINT(1)     NOT NULL
);

CREATE TABLE suppliers (
    supplier_code VARCHAR(20)    NOT NULL PRIMARY KEY,
    name          VARCHAR(100)   NOT NULL,
    country       CHAR(2)        NOT NULL,
    rating        SMALLINT
);

CREATE TABLE "ProductCategories" (
    "CategoryId"       INT  NOT NULL PRIMARY KEY,
    "Name"             TEXT NOT NULL,
    "ParentCategoryId" INT,
    FOREIGN KEY ("ParentCategoryId") REFERENCES "ProductCategories" ("CategoryId")
);

CREATE TABLE products (
    sku           VARCHAR(40)    NOT NULL PRIMARY KEY,
    name          TEXT           NOT NULL,
    category_id   INT            NOT NULL,
    supplier_code VARCHAR(20)    NOT NULL,
    unit_price    DECIMAL(10,2)  NOT NULL,
    weight_kg     FLOAT,
    description   TEXT,
    discontinued  TINYINT(1)     NOT NULL DEFAULT 0,
    attributes    JSON,
    FOREIGN KEY (category_id) REFERENCES "ProductCategories" ("CategoryId"),
    FOREIGN KEY (supplier_code) REFERENCES suppliers (supplier_code)
);

CREATE TABLE warehouses (
    warehouse_code CHAR(4)       NOT NULL PRIMARY KEY,
    name           VARCHAR(100)  NOT NULL,
    city           VARCHAR(60)   NOT NULL,
    opens_at       TIME          NOT NULL,
    closes_at      TIME          NOT NULL
);

-- Deliberately WITHOUT a primary key.
CREATE TABLE exchange_rates (
    currency  CHAR(3)        NOT NULL,
    rate_date DATE           NOT NULL,
    rate      DECIMAL(18,6)  NOT NULL
);

CREATE TABLE stock_levels (
    warehouse_code  CHAR(4)      NOT NULL,
    sku             VARCHAR(40)  NOT NULL,
    quantity        INT          NOT NULL,
    reorder_level   INT,
    last_counted_at TIMESTAMP    NULL,
    PRIMARY KEY (warehouse_code, sku),
    FOREIGN KEY (warehouse_code) REFERENCES warehouses (warehouse_code),
    FOREIGN KEY (sku) REFERENCES products (sku)
);

CREATE TABLE sales_orders (
    order_id      BIGINT         NOT NULL PRIMARY KEY,
    customer_id   INT            NOT NULL,
    order_date    DATE           NOT NULL,
    status        ENUM('draft', 'confirmed', 'shipped', 'cancelled') NOT NULL,
    ordered_at    TIMESTAMP      NOT NULL,
    shipped_at    TIMESTAMP      NULL,
    total_amount  DECIMAL(14,2)  NOT NULL DEFAULT 0,
    currency      CHAR(3)        NOT NULL,
    notes         TEXT,
    "Priority"    SMALLINT       NOT NULL,
    FOREIGN KEY (customer_id) REFERENCES customers (customer_id)
);

CREATE TABLE order_lines (
    order_id      BIGINT         NOT NULL,
    line_no       INT            NOT NULL,
    sku           VARCHAR(40)    NOT NULL,
    quantity      INT            NOT NULL,
    unit_price    DECIMAL(10,2)  NOT NULL,
    discount_pct  DECIMAL(5,2),
    line_total    DECIMAL(14,2)  NOT NULL,
    PRIMARY KEY (order_id, line_no),
    FOREIGN KEY (order_id) REFERENCES sales_orders (order_id),
    FOREIGN KEY (sku) REFERENCES products (sku)
);

CREATE TABLE invoices (
    invoice_no    VARCHAR(20)    NOT NULL PRIMARY KEY,
    order_id      BIGINT         NOT NULL,
    issued_on     DATE           NOT NULL,
    due_on        DATE           NOT NULL,
    amount        DECIMAL(14,2)  NOT NULL,
    paid          TINYINT(1)     NOT NULL,
    FOREIGN KEY (order_id) REFERENCES sales_orders (order_id)
);

CREATE TABLE payments (
    payment_id      CHAR(36)       NOT NULL PRIMARY KEY,
    invoice_no      VARCHAR(20)    NOT NULL,
    paid_at         TIMESTAMP      NOT NULL,
    amount          DECIMAL(14,2)  NOT NULL,
    method          VARCHAR(20)    NOT NULL,
    processing_time TIME(3)        NOT NULL,
    FOREIGN KEY (invoice_no) REFERENCES invoices (invoice_no)
);

CREATE TABLE audit_log (
    audit_id     BIGINT     NOT NULL PRIMARY KEY,
    happened_at  TIMESTAMP  NOT NULL,
    detail       TEXT       NOT NULL
);

-- -----------------------------------------------------------------------------
-- Views (no primary key: the server has to be told a key in configuration)
-- -----------------------------------------------------------------------------
CREATE VIEW order_summaries AS
SELECT o.order_id,
       o.customer_id,
       c.name                               AS customer_name,
       o.order_date,
       CAST(count(l.line_no) AS SIGNED)     AS line_count,
       o.total_amount
FROM sales_orders o
JOIN customers c ON c.customer_id = o.customer_id
LEFT JOIN order_lines l ON l.order_id = o.order_id
GROUP BY o.order_id, c.customer_id, c.name, o.order_date, o.total_amount;

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

-- customers: 2,000 ------------------------------------------------------------
INSERT INTO customers (customer_id, name, country, city, email, credit_limit, created_at, is_active)
SELECT i,
       n.first_name || ' ' || CHAR(65 + (i * 11) % 26 USING utf8mb4) || '. ' || n.last_name,
       ELT(1 + i % 10, 'DE','FR','GB','US','NL','SE','IT','ES','PL','JP'),
       CASE WHEN (i DIV 10) % 10 < 3 THEN NULL
            ELSE ELT(1 + i % 10, 'München','Paris','London','New York','Amsterdam',
                     'Göteborg','Milano','Sevilla','Kraków','Tokyo') END,
       CASE WHEN (i * 37) % 10 < 6 THEN NULL
            ELSE lower(n.first_name) || '.' || i || '@example.com' END,
       500 * (1 + (i * 31) % 100),
       FROM_UNIXTIME(1514764800 + i * 94608 + (i * 7919) % 86400),
       i % 11 <> 0
FROM (SELECT i,
             ELT(1 + (i * 7) % 20, 'Anna','Ben','Chloé','David','Elif','Finn','Greta','Hiroshi','Inès','Jonas',
                 'Karin','Liam','Maja','Noah','Olga','Pierre','Sean','Rosa','Sven','Zoë') AS first_name,
             ELT(1 + (i * 13) % 16, 'Smith','Müller','O''Neil','García','Nguyen','Kowalski','Dubois','Rossi',
                 'Johansson','Tanaka','Öztürk','Brown','Schmidt','Novák','Silva','D''Angelo') AS last_name
      FROM _counter WHERE i BETWEEN 1 AND 2000) AS n;

-- suppliers: 200 -------------------------------------------------------------
INSERT INTO suppliers (supplier_code, name, country, rating)
SELECT 'SUP-' || LPAD(i, 4, '0'),
       ELT(1 + i % 10, 'Acme','Nordic','Global','Alpen','Pacific','Atlas','Union','Vertex','Königs','Baltic')
         || ' ' || ELT(1 + (i DIV 10) % 8, 'Supplies','Trading','Industries','Logistik','Components','Parts','& Söhne','Works')
         || ' ' || ELT(1 + i DIV 80, 'GmbH','Ltd','S.A.'),
       ELT(1 + (i * 3) % 10, 'DE','FR','GB','US','NL','SE','IT','ES','PL','JP'),
       CASE WHEN i % 5 < 3 THEN NULL ELSE 1 + (i * 7) % 5 END
FROM _counter WHERE i BETWEEN 1 AND 200;

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
INSERT INTO products (sku, name, category_id, supplier_code, unit_price, weight_kg, description, discontinued, attributes)
SELECT 'SKU-' || LPAD(i, 5, '0'),
       w.base_name || ' ' || CHAR(65 + (i * 7) % 26 USING utf8mb4) || '-' || (100 + (i * 37) % 900),
       w.category_id,
       'SUP-' || LPAD(1 + (i * 17) % 200, 4, '0'),
       (99 + (i * 7919) % 99900) / 100.0,
       CASE WHEN (i * 13) % 10 < 5 THEN NULL ELSE (5 + (i * 37) % 5000) / 100.0 END,
       CASE WHEN (i * 7) % 10 < 7 THEN NULL
            ELSE w.base_name || ' for everyday business use.'
                 || CASE WHEN i % 3 = 0
                         THEN CHAR(10 USING utf8mb4) || 'Care: wipe with a damp cloth; do not use "harsh" cleaners.'
                         ELSE '' END END,
       i % 17 = 0,
       CASE WHEN i % 3 <> 0 THEN NULL
            WHEN i % 9 = 0 THEN
                 '{"eco": ' || CASE WHEN i % 2 = 0 THEN 'true' ELSE 'false' END
                 || ', "color": "' || w.color
                 || '", "dimensions_cm": {"h": ' || (10 + i % 50) || ', "w": ' || (20 + i % 70)
                 || '}, "warranty_years": ' || (i % 5) || '}'
            ELSE '{"eco": ' || CASE WHEN i % 2 = 0 THEN 'true' ELSE 'false' END
                 || ', "color": "' || w.color || '", "warranty_years": ' || (i % 5) || '}' END
FROM (SELECT i,
             7 + (i * 11) % 24 AS category_id,
             ELT(1 + (i * 3) % 8, 'Pro','Eco','Compact','Premium','Basic','Ultra','Classic','Smart')
               || ' ' ||
             ELT(1 + (i * 11) % 24, 'Workstation','Desk Phone','HDMI Cable','Copy Paper A4','Ballpoint Pen','Lever Arch File',
                 'Standing Desk','Office Chair','Shelf Unit','Angle Grinder','Screwdriver Set','Laser Distance Meter',
                 'Shipping Box','Packing Tape','Euro Pallet','Espresso Beans 1kg','Granola Bar','Sparkling Water 12×0.5l',
                 'Notebook 14"','Mini PC','Smartphone','USB-C Hub','Ergonomic Chair','Cordless Drill 18V') AS base_name,
             ELT(1 + i % 6, 'black','white','silver','red','blue','green') AS color
      FROM _counter WHERE i BETWEEN 1 AND 994) AS w;

-- Hostile text keys: apostrophe, percent, slash, '#', '?', space, '&', '+', '=',
-- backslash, an already-percent-encoded sequence, non-ASCII (Latin-1, CJK, U+2615).
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

-- Products and warehouses numbered by key in code point order (= COLLATE "C").
CREATE TABLE _products_rn (rn INT NOT NULL PRIMARY KEY, sku VARCHAR(40) NOT NULL, unit_price DECIMAL(10,2) NOT NULL);
INSERT INTO _products_rn (rn, sku, unit_price)
SELECT row_number() OVER (ORDER BY sku COLLATE utf8mb4_bin), sku, unit_price FROM products;

-- stock_levels: exactly 5 of 8 warehouses per product = 5,000 -------------------
INSERT INTO stock_levels (warehouse_code, sku, quantity, reorder_level, last_counted_at)
SELECT w.warehouse_code,
       p.sku,
       (p.rn * 31 + w.wn * 17) % 500,
       CASE WHEN (p.rn + w.wn) % 5 < 2 THEN NULL ELSE 10 * (1 + (p.rn * w.wn) % 10) END,
       CASE WHEN (p.rn * 3 + w.wn) % 4 = 0 THEN NULL
            ELSE FROM_UNIXTIME(1735689600 + (p.rn * 7919 + w.wn * 104729) % 31536000) END
FROM _products_rn AS p
CROSS JOIN (SELECT warehouse_code, row_number() OVER (ORDER BY warehouse_code COLLATE utf8mb4_bin) AS wn
            FROM warehouses) AS w
WHERE (p.rn * 7 + w.wn * 3) % 8 < 5;

-- sales_orders: 20,000 (order_id 5000000001..5000020000, 2023-01-01..2025-12-31) ---
INSERT INTO sales_orders (order_id, customer_id, order_date, status, ordered_at, shipped_at, currency, notes, "Priority")
SELECT 5000000000 + i,
       x.customer_id,
       DATE(FROM_UNIXTIME(x.ts)),
       x.status,
       FROM_UNIXTIME(x.ts),
       CASE WHEN x.status = 'shipped'
            THEN FROM_UNIXTIME(x.ts + 86400 * (1 + i % 5) + (i * 31) % 36000) END,
       CASE x.customer_id % 10 WHEN 2 THEN 'GBP' WHEN 3 THEN 'USD' WHEN 5 THEN 'SEK'
                               WHEN 8 THEN 'PLN' WHEN 9 THEN 'JPY' ELSE 'EUR' END,
       CASE WHEN (i * 17) % 20 < 17 THEN NULL
            ELSE ELT(1 + i % 6, 'Leave parcel at reception.',
                     'Call before delivery; ask for Mr. O''Neil.',
                     'Rush order — customer said "ASAP!"',
                     'Zustellung über den Hintereingang (Tor 3).',
                     'Line 1 of delivery address' || CHAR(10 USING utf8mb4) || 'Line 2: Building B, 3rd floor',
                     'Ship with invoice & packing slip <b>in box</b>; 100% check.') END,
       1 + (i * 7) % 5
FROM (SELECT i,
             1672531200 + (i - 1) * 4734 + (i * 7919) % 4700 AS ts,
             1 + (i * 7919) % 2000 AS customer_id,
             CASE WHEN (i * 13) % 20 < 2  THEN 'draft'
                  WHEN (i * 13) % 20 < 4  THEN 'cancelled'
                  WHEN (i * 13) % 20 < 11 THEN 'confirmed'
                  ELSE 'shipped' END AS status
      FROM _counter WHERE i BETWEEN 1 AND 20000) AS x;

-- order_lines: 1..5 lines per order = 60,000 --------------------------------------
-- line_total is computed in integer cents (round half up), the PostgreSQL formula.
INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price, discount_pct, line_total)
SELECT 5000000000 + x.i,
       x.k,
       p.sku,
       x.qty,
       p.unit_price,
       x.dbp / 100.0,
       ((x.qty * CAST(p.unit_price * 100 AS SIGNED) * (10000 - coalesce(x.dbp, 0)) + 5000) DIV 10000) / 100.0
FROM (SELECT o.i, k.k,
             1 + (o.i * k.k * 13) % 10 AS qty,
             CASE WHEN (o.i + k.k) % 5 < 3 THEN NULL ELSE 250 * (1 + (o.i + k.k) % 4) END AS dbp,
             1 + (o.i * 31 + k.k * 97) % 1000 AS prod_rn
      FROM _counter AS o
      JOIN (SELECT i AS k FROM _counter WHERE i BETWEEN 1 AND 5) AS k ON k.k <= 1 + (o.i * 7) % 5
      WHERE o.i BETWEEN 1 AND 20000) AS x
JOIN _products_rn AS p ON p.rn = x.prod_rn;

UPDATE sales_orders AS o
JOIN (SELECT order_id, sum(line_total) AS total FROM order_lines GROUP BY order_id) AS s ON s.order_id = o.order_id
SET o.total_amount = s.total;

-- invoices: one per confirmed/shipped order = 16,000 -----------------------------
INSERT INTO invoices (invoice_no, order_id, issued_on, due_on, amount, paid)
SELECT 'INV-' || YEAR(o.order_date) || '-'
           || LPAD(row_number() OVER (PARTITION BY YEAR(o.order_date) ORDER BY o.order_id), 6, '0'),
       o.order_id,
       o.order_date + INTERVAL 1 DAY,
       o.order_date + INTERVAL 31 DAY,
       o.total_amount,
       (o.order_id * 17) % 4 <> 0
FROM sales_orders AS o
WHERE o.status IN ('confirmed', 'shipped');

-- payments: one per paid invoice = 12,000 -----------------------------------------
INSERT INTO payments (payment_id, invoice_no, paid_at, amount, method, processing_time)
SELECT '00000000-0000-4000-8000-' || LPAD(x.n, 12, '0'),
       x.invoice_no,
       CAST(x.issued_on AS DATETIME) + INTERVAL (86400 * ((x.n * 7) % 40) + 28800 + (x.n * 7919) % 36000) SECOND,
       x.amount,
       ELT(1 + x.n % 4, 'card','transfer','direct_debit','paypal'),
       SEC_TO_TIME(CASE WHEN x.n % 10 = 0 THEN 172800 ELSE 0 END + ((x.n * 7919) % 5400000) / 1000.0)
FROM (SELECT inv.*, inv.order_id - 5000000000 AS n FROM invoices AS inv WHERE inv.paid) AS x;

-- audit_log: 500 --------------------------------------------------------------------
INSERT INTO audit_log (audit_id, happened_at, detail)
SELECT i,
       FROM_UNIXTIME(1735689600 + i * 60000 + (i * 7919) % 3600),
       'user ' || ELT(1 + i % 5, 'alice','bob','chloé','dmitri','erin')
         || ' ' || ELT(1 + (i * 3) % 5, 'created','updated','cancelled','exported','viewed')
         || ' order ' || (5000000000 + 1 + (i * 7919) % 20000)
FROM _counter WHERE i BETWEEN 1 AND 500;

-- exchange_rates (no key): 5 currencies x 60 days = 300 -------------------------------
INSERT INTO exchange_rates (currency, rate_date, rate)
SELECT ELT(1 + i % 5, 'USD','GBP','CHF','JPY','SEK'),
       DATE '2025-01-01' + INTERVAL (i DIV 5) DAY,
       round(CASE i % 5 WHEN 0 THEN 1.0834 WHEN 1 THEN 0.8412 WHEN 2 THEN 0.9387 WHEN 3 THEN 161.23 ELSE 11.4925 END
             * (1 + ((i * 7919) % 2001 - 1000) / 50000.0), 6)
FROM _counter WHERE i BETWEEN 0 AND 299;

DROP TABLE _products_rn;
DROP TABLE _counter;
ANALYZE TABLE customers, suppliers, "ProductCategories", products, warehouses, exchange_rates, stock_levels,
              sales_orders, order_lines, invoices, payments, audit_log;
