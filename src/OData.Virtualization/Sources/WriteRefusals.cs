using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace OData.Virtualization.Sources;

/// <summary>Why the database refused a write, in the terms a client can act on.</summary>
internal enum WriteRefusal
{
    /// <summary>Not a refusal this server explains: an unexpected failure.</summary>
    None,

    /// <summary>A unique or primary-key constraint: another row has the same value.</summary>
    Duplicate,

    /// <summary>A foreign key: the row refers to a row that does not exist, or others still refer to it.</summary>
    Reference,

    /// <summary>A check or not-null constraint, or a value the column's type does not take.</summary>
    Invalid,

    /// <summary>A serialization failure or deadlock: the same write may succeed if tried again.</summary>
    Conflict,

    /// <summary>The database does not let the configured role write (a grant, a read-only database file).</summary>
    NotPermitted,
}

/// <summary>Reads a provider's exception as a <see cref="WriteRefusal"/> and the constraint it names (never values).</summary>
internal static class WriteRefusals
{
    public static (WriteRefusal Refusal, string? Constraint) Classify(DbException exception) => exception switch
    {
        PostgresException pg => (pg.SqlState switch
        {
            PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ExclusionViolation => WriteRefusal.Duplicate,
            PostgresErrorCodes.ForeignKeyViolation or PostgresErrorCodes.RestrictViolation => WriteRefusal.Reference,
            PostgresErrorCodes.CheckViolation or PostgresErrorCodes.NotNullViolation or PostgresErrorCodes.StringDataRightTruncation
                or PostgresErrorCodes.NumericValueOutOfRange or PostgresErrorCodes.InvalidTextRepresentation
                or PostgresErrorCodes.InvalidDatetimeFormat or PostgresErrorCodes.DatetimeFieldOverflow
                or PostgresErrorCodes.CharacterNotInRepertoire or PostgresErrorCodes.UntranslatableCharacter
                or PostgresErrorCodes.InvalidParameterValue => WriteRefusal.Invalid,
            PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable => WriteRefusal.Conflict,
            PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ReadOnlySqlTransaction => WriteRefusal.NotPermitted,
            _ => WriteRefusal.None,
        }, pg.ConstraintName ?? pg.ColumnName),
        SqliteException sqlite => (sqlite.SqliteExtendedErrorCode switch
        {
            2067 or 1555 => WriteRefusal.Duplicate, // SQLITE_CONSTRAINT_UNIQUE, _PRIMARYKEY
            787 => WriteRefusal.Reference, // SQLITE_CONSTRAINT_FOREIGNKEY
            275 or 1299 or 3091 => WriteRefusal.Invalid, // SQLITE_CONSTRAINT_CHECK, _NOTNULL, _DATATYPE
            5 or 6 or 261 or 517 => WriteRefusal.Conflict, // SQLITE_BUSY, _LOCKED, _BUSY_RECOVERY, _BUSY_SNAPSHOT
            8 or 264 or 520 => WriteRefusal.NotPermitted, // SQLITE_READONLY and its variants
            _ => WriteRefusal.None,
        }, SqliteConstraint(sqlite.Message)),
        _ => (WriteRefusal.None, null),
    };

    /// <summary>Whether <paramref name="exception"/> says a table the statement names does not exist (dropped since it was seen).</summary>
    public static bool IsMissingTable(DbException exception) => exception switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UndefinedTable,
        SqliteException sqlite => sqlite.SqliteErrorCode == 1 && sqlite.Message.Contains("no such table", StringComparison.OrdinalIgnoreCase),
        _ => false,
    };

    /// <summary>SQLite names the constraint's columns or name after the last colon ("UNIQUE constraint failed: t.code").</summary>
    private static string? SqliteConstraint(string message)
    {
        var colon = message.LastIndexOf(": ", StringComparison.Ordinal);
        return colon < 0 ? null : message[(colon + 2)..].Trim().TrimEnd('.', '\'');
    }
}
