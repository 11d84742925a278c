-- =============================================================================
-- OData Virtualization - a MySQL/MariaDB database nobody tuned for this server
--
-- Loaded by the integration tests (MySql/MariaDbFixture) into a throwaway MariaDB whose default collation is
-- case-insensitive (utf8mb4_general_ci), as most installations are:
--   mariadb --default-character-set=utf8mb4 -e "CREATE DATABASE exact" && mariadb exact < seed-data/mysql/exact.sql
-- Keys that differ only in case or accents, unsigned and wide types, zero dates, TIME beyond 24 hours, reserved
-- words, quotes, backticks and non-ASCII in names, a generated column, a view without a key, an unsupported type.
-- =============================================================================

-- Keys compared exactly (a binary collation): 'abc', 'AbC' and 'ABC' are three rows. label is case-insensitive
-- (the default of the database) and indexed: label eq 'abc' must return one row and still use ix_label.
CREATE TABLE codes (
    code  varchar(20) COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
    label varchar(40) NOT NULL,
    note  varchar(40) NULL,
    n     int NOT NULL,
    KEY ix_label (label)
);
INSERT INTO codes VALUES
    ('abc', 'abc', 'lower', 1), ('AbC', 'AbC', 'mixed', 2), ('ABC', 'ABC', NULL, 3), ('abd', 'abd', 'next', 4),
    ('äbc', 'äbc', 'umlaut', 5), ('Äbc', 'Äbc', NULL, 6), ('a%c', 'a%c', 'percent', 7), ('a_c', 'a_c', 'underscore', 8),
    ('b', 'b ', 'trailing space', 9), ('B', 'B', NULL, 10), ('x''y', 'x''y', 'apostrophe', 11), ('日本', '日本', 'cjk', 12),
    ('a\\c', 'a\\c', 'backslash', 13), ('zz', 'zz', '', 14);

-- A case-insensitive key (the default collation): one of 'abc'/'ABC' only, and a request for the other must not
-- return this row under a key it did not ask for.
CREATE TABLE ci_keys (
    code varchar(20) NOT NULL PRIMARY KEY,
    v    int NULL
);
INSERT INTO ci_keys VALUES ('abc', 1), ('Abd', 2), ('b', 3), ('C', 4), ('ä', 5), ('Z', NULL), ('y', 7);

CREATE TABLE children (
    id   int NOT NULL PRIMARY KEY,
    code varchar(20) COLLATE utf8mb4_bin NULL,
    qty  int NOT NULL,
    CONSTRAINT fk_children_codes FOREIGN KEY (code) REFERENCES codes (code)
);
INSERT INTO children VALUES (1, 'abc', 5), (2, 'abc', 7), (3, 'AbC', 1), (4, 'B', 2), (5, NULL, 3);

CREATE TABLE types (
    id    int NOT NULL PRIMARY KEY,
    u64   bigint unsigned NULL,
    i64   bigint NULL,
    u32   int unsigned NULL,
    i8    tinyint NULL,
    u8    tinyint unsigned NULL,
    flag  tinyint(1) NULL,
    b1    bit(1) NULL,
    b8    bit(8) NULL,
    d65   decimal(65,30) NULL,
    d10   decimal(10,2) NULL,
    f     float NULL,
    dbl   double NULL,
    e     enum('small','large','it''s') NULL,
    s     set('a','b','c') NULL,
    js    json NULL,
    y     year NULL,
    dt    datetime(6) NULL,
    ts    timestamp(6) NULL DEFAULT NULL,
    d     date NULL,
    tm    time(6) NULL,
    g     int GENERATED ALWAYS AS (i8 * 2) VIRTUAL,
    ch    char(5) NULL,
    vb    varbinary(8) NULL,
    geo   point NULL
);
INSERT INTO types (id, u64, i64, u32, i8, u8, flag, b1, b8, d65, d10, f, dbl, e, s, js, y, dt, ts, d, tm, ch, vb) VALUES
    (1, 18446744073709551615, -9223372036854775808, 4294967295, -128, 255, 1, b'1', b'10100101',
     12345678901234567890123456789012345.123456789012345678901234567891, 12345678.91, 0.5, 1e300, 'it''s', 'a,c',
     '{"a": [1, "x"]}', 2155, '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.123456', '0000-00-00', '838:59:59', 'ab', x'00ff10'),
    (2, 0, 9007199254740993, 0, 127, 0, 0, b'0', b'0', -0.000000000000000000000000000001, -0.50, -1.25, -2.5, 'small', '',
     '[]', 1901, '1000-01-01 00:00:00', '1970-01-01 00:00:01', '2024-01-15', '-838:59:59', '', x''),
    (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- Reserved words, quotes, backticks and non-ASCII in names.
CREATE TABLE `select` (
    `group`      bigint NOT NULL PRIMARY KEY,
    `order`      varchar(20) NULL,
    `Ünïcödé`    varchar(20) NULL,
    `quote"d`    varchar(20) NULL,
    `back``tick` varchar(20) NULL
);
INSERT INTO `select` VALUES (1, 'x', 'ä', 'q"1', 'b`1'), (2, NULL, NULL, NULL, NULL), (3, 'X', 'Ä', '''', '`');

-- Non-ASCII, a space, an ampersand and quotes in a table's name; a composite key of a case-insensitive text (two
-- keys differ only in case, told apart by the unsigned part) and a BIGINT UNSIGNED at 2^64-1.
CREATE TABLE `Größe & "Maß"` (
    `Schlüssel` varchar(20) NOT NULL,
    `n`         bigint unsigned NOT NULL,
    `wert`      varchar(20) NULL,
    PRIMARY KEY (`Schlüssel`, `n`)
);
INSERT INTO `Größe & "Maß"` VALUES ('Ä''b', 18446744073709551615, 'max'), ('ä''b', 1, 'lower'), ('日本 %_\\', 0, NULL);

-- Not readable by the account of the server (no SELECT granted): not published.
CREATE TABLE secret (id int NOT NULL PRIMARY KEY, pin varchar(10));
INSERT INTO secret VALUES (1, '1234');

-- A view: no key, so skipped unless the configuration names one.
CREATE VIEW label_counts AS SELECT label, COUNT(*) AS c FROM codes GROUP BY label;
CREATE VIEW code_notes AS SELECT code, note FROM codes;

-- Enough rows that the optimizer prefers an index to a scan (EXPLAIN checks the exact equality still seeks).
CREATE TABLE many (
    id    int NOT NULL PRIMARY KEY,
    label varchar(40) NOT NULL,
    KEY ix_many_label (label)
);
INSERT INTO many SELECT seq, CONCAT(IF(seq % 2 = 0, 'Label-', 'label-'), seq % 500) FROM seq_1_to_4000;
ANALYZE TABLE many;

-- A view that takes seconds to filter (a hash per row of a 20-million-row sequence): statement limits and
-- cancellation are tested on it, with a key given in the test's configuration.
CREATE VIEW slow_numbers AS SELECT seq AS id, SHA2(seq, 256) AS h FROM seq_1_to_20000000;

-- Rows inserted and deleted while a client walks the pages (MariaDbChurnTests fills it).
CREATE TABLE churn (
    id    bigint NOT NULL PRIMARY KEY,
    label varchar(20) NULL,
    KEY ix_churn_label (label)
);
