using Microsoft.OData.Edm;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Tests.Model;

public sealed class TypeMapperTests
{
    // ---- PostgreSQL (store types as pg_catalog.format_type reports them) ------------------------------

    [Theory]
    [InlineData("smallint", "Int16", EdmPrimitiveTypeKind.Int16)]
    [InlineData("integer", "Int32", EdmPrimitiveTypeKind.Int32)]
    [InlineData("bigint", "Int64", EdmPrimitiveTypeKind.Int64)]
    [InlineData("real", "Single", EdmPrimitiveTypeKind.Single)]
    [InlineData("double precision", "Double", EdmPrimitiveTypeKind.Double)]
    [InlineData("boolean", "Boolean", EdmPrimitiveTypeKind.Boolean)]
    [InlineData("date", "Date", EdmPrimitiveTypeKind.Date)]
    [InlineData("time without time zone", "TimeOfDay", EdmPrimitiveTypeKind.TimeOfDay)]
    [InlineData("time(3) without time zone", "TimeOfDay", EdmPrimitiveTypeKind.TimeOfDay)]
    [InlineData("timestamp without time zone", "DateTime", EdmPrimitiveTypeKind.DateTimeOffset)]
    [InlineData("timestamp(3) without time zone", "DateTime", EdmPrimitiveTypeKind.DateTimeOffset)]
    [InlineData("timestamp with time zone", "DateTimeOffset", EdmPrimitiveTypeKind.DateTimeOffset)]
    [InlineData("timestamp(6) with time zone", "DateTimeOffset", EdmPrimitiveTypeKind.DateTimeOffset)]
    [InlineData("uuid", "Guid", EdmPrimitiveTypeKind.Guid)]
    [InlineData("bytea", "Binary", EdmPrimitiveTypeKind.Binary)]
    [InlineData("interval", "Duration", EdmPrimitiveTypeKind.Duration)]
    [InlineData("text", "String", EdmPrimitiveTypeKind.String)]
    public void MapPostgres_ScalarType_MapsToItsKind(string storeType, string kind, EdmPrimitiveTypeKind edmKind)
    {
        var type = MapPostgres(storeType);

        Assert.Equal(Enum.Parse<ValueKind>(kind), type.Kind);
        Assert.Equal(edmKind, type.EdmKind);
        Assert.False(type.IsCollection);
        Assert.Null(type.MaxLength);
        Assert.False(type.ReadAsText);
    }

    [Fact]
    public void MapPostgres_NumericWithPrecisionAndScale_IsDecimalWithBoth()
    {
        var type = MapPostgres("numeric(12,2)");

        Assert.Equal(ValueKind.Decimal, type.Kind);
        Assert.Equal(12, type.Precision);
        Assert.Equal(2, type.Scale);
        Assert.False(type.ReadAsText);
    }

    [Fact]
    public void MapPostgres_NumericWithPrecisionOnly_HasScaleZero()
    {
        var type = MapPostgres("numeric(10)");

        Assert.Equal(ValueKind.Decimal, type.Kind);
        Assert.Equal(10, type.Precision);
        Assert.Equal(0, type.Scale);
    }

    [Fact]
    public void MapPostgres_UnconstrainedNumeric_IsDecimalWithoutFacetsReadAsText()
    {
        var type = MapPostgres("numeric");

        Assert.Equal(ValueKind.Decimal, type.Kind);
        Assert.Null(type.Precision);
        Assert.Null(type.Scale);
        Assert.True(type.ReadAsText);
    }

    [Fact]
    public void MapPostgres_NumericBeyondDecimalPrecision_IsReadAsText()
    {
        var type = MapPostgres("numeric(38,6)");

        Assert.Equal(ValueKind.Decimal, type.Kind);
        Assert.Equal(38, type.Precision);
        Assert.Equal(6, type.Scale);
        Assert.True(type.ReadAsText);
    }

    [Fact]
    public void MapPostgres_Money_IsDecimalComparedAsNumeric()
    {
        var type = MapPostgres("money");

        Assert.Equal(ValueKind.Decimal, type.Kind);
        Assert.Equal(19, type.Precision);
        Assert.Equal(2, type.Scale);
        Assert.Equal("numeric", type.CompareAs);
    }

    [Theory]
    [InlineData("character varying(40)", 40, false)]
    [InlineData("character varying", null, false)]
    [InlineData("character(3)", 3, true)]
    [InlineData("character", 1, true)]
    public void MapPostgres_CharacterTypes_CarryMaxLength(string storeType, int? maxLength, bool fixedLength)
    {
        var type = MapPostgres(storeType);

        Assert.Equal(ValueKind.String, type.Kind);
        Assert.Equal(maxLength, type.MaxLength);
        Assert.Equal(fixedLength, type.IsFixedLength);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("jsonb")]
    public void MapPostgres_Json_IsStringReadAndComparedAsText(string storeType)
    {
        var type = MapPostgres(storeType);

        Assert.Equal(ValueKind.String, type.Kind);
        Assert.True(type.ReadAsText);
        Assert.Equal("text", type.CompareAs);
    }

    [Fact]
    public void MapPostgres_Enum_IsStringReadAndComparedAsText()
    {
        var (type, reason) = TypeMapper.Map(SourceProvider.PostgreSql, new DbColumn("status", "sales.order_status", IsNullable: true, IsEnum: true));

        Assert.Null(reason);
        Assert.NotNull(type);
        Assert.Equal(ValueKind.String, type.Kind);
        Assert.True(type.ReadAsText);
        Assert.Equal("text", type.CompareAs);
    }

    [Theory]
    [InlineData("text[]", "String", null)]
    [InlineData("integer[]", "Int32", null)]
    [InlineData("character varying(20)[]", "String", 20)]
    [InlineData("numeric(10,2)[]", "Decimal", null)]
    [InlineData("uuid[]", "Guid", null)]
    public void MapPostgres_ArrayOfPrimitive_IsCollection(string storeType, string kind, int? maxLength)
    {
        var type = MapPostgres(storeType);

        Assert.True(type.IsCollection);
        Assert.Equal(Enum.Parse<ValueKind>(kind), type.Kind);
        Assert.Equal(maxLength, type.MaxLength);
        Assert.False(type.CanBeKey);
        Assert.False(type.IsText);
    }

    [Theory]
    [InlineData("interval[]")]
    [InlineData("jsonb[]")]
    public void MapPostgres_ArrayOfUnsupportedElement_IsSkippedWithReason(string storeType)
    {
        var (type, reason) = TypeMapper.Map(SourceProvider.PostgreSql, new DbColumn("c", storeType, IsNullable: true));

        Assert.Null(type);
        Assert.Contains("arrays of", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MapPostgres_ArrayOfEnum_IsSkippedWithReason()
    {
        var (type, reason) = TypeMapper.Map(SourceProvider.PostgreSql, new DbColumn("c", "sales.order_status[]", IsNullable: true, IsEnum: true));

        Assert.Null(type);
        Assert.Contains("arrays of enums", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("point")]
    [InlineData("time with time zone")]
    [InlineData("tsvector")]
    [InlineData("inet")]
    public void MapPostgres_UnsupportedType_IsNullWithReasonNamingTheTypeAndTheWayOut(string storeType)
    {
        var (type, reason) = TypeMapper.Map(SourceProvider.PostgreSql, new DbColumn("c", storeType, IsNullable: true));

        Assert.Null(type);
        Assert.NotNull(reason);
        Assert.Contains($"'{storeType}'", reason, StringComparison.Ordinal);
        Assert.Contains("hide the column", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("real")]
    [InlineData("double precision")]
    [InlineData("bytea")]
    public void MapPostgres_FloatAndBinary_CannotBeKeys(string storeType) => Assert.False(MapPostgres(storeType).CanBeKey);

    // ---- SQLite (declared types) -------------------------------------------------------------------

    [Theory]
    [InlineData("INTEGER", "Int64")]
    [InlineData("INT", "Int64")]
    [InlineData("BIGINT", "Int64")]
    [InlineData("SMALLINT", "Int16")]
    [InlineData("REAL", "Double")]
    [InlineData("DOUBLE", "Double")]
    [InlineData("DOUBLE PRECISION", "Double")]
    [InlineData("FLOAT", "Double")]
    [InlineData("BOOLEAN", "Boolean")]
    [InlineData("DATE", "Date")]
    [InlineData("DATETIME", "DateTime")]
    [InlineData("TIMESTAMP", "DateTime")]
    [InlineData("DATETIMEOFFSET", "DateTimeOffset")]
    [InlineData("TIME", "TimeOfDay")]
    [InlineData("UUID", "Guid")]
    [InlineData("BLOB", "Binary")]
    [InlineData("JSON", "String")]
    [InlineData("TEXT", "String")]
    [InlineData("text", "String")]
    [InlineData("integer", "Int64")]
    public void MapSqlite_DeclaredType_MapsToItsKind(string declared, string kind)
    {
        var type = MapSqlite(declared);

        Assert.Equal(Enum.Parse<ValueKind>(kind), type.Kind);
        Assert.Null(type.MaxLength);
        Assert.False(type.IsCollection);
    }

    [Fact]
    public void MapSqlite_NumericWithPrecisionAndScale_IsDecimalWithBoth()
    {
        var type = MapSqlite("NUMERIC(10,2)");

        Assert.Equal(ValueKind.Decimal, type.Kind);
        Assert.Equal(10, type.Precision);
        Assert.Equal(2, type.Scale);
    }

    [Fact]
    public void MapSqlite_DecimalWithoutArguments_IsDecimalWithoutFacets()
    {
        var type = MapSqlite("DECIMAL");

        Assert.Equal(ValueKind.Decimal, type.Kind);
        Assert.Null(type.Precision);
        Assert.Null(type.Scale);
    }

    [Fact]
    public void MapSqlite_DecimalWithSpacesInArguments_ParsesThem()
    {
        var type = MapSqlite("DECIMAL(18, 4)");

        Assert.Equal(18, type.Precision);
        Assert.Equal(4, type.Scale);
    }

    [Fact]
    public void MapSqlite_DecimalBeyondDecimalPrecision_IsCappedAt28()
    {
        var type = MapSqlite("NUMERIC(40,10)");

        Assert.Equal(28, type.Precision);
        Assert.Equal(10, type.Scale);
    }

    [Theory]
    [InlineData("VARCHAR(20)", 20, false)]
    [InlineData("varchar(10)", 10, false)]
    [InlineData("NVARCHAR(30)", 30, false)]
    [InlineData("CHARACTER VARYING(12)", 12, false)]
    [InlineData("CHAR(4)", 4, true)]
    [InlineData("NCHAR(2)", 2, true)]
    [InlineData("VARCHAR", null, false)]
    [InlineData("CLOB", null, false)]
    public void MapSqlite_TextAffinity_IsStringWithMaxLength(string declared, int? maxLength, bool fixedLength)
    {
        var type = MapSqlite(declared);

        Assert.Equal(ValueKind.String, type.Kind);
        Assert.Equal(maxLength, type.MaxLength);
        Assert.Equal(fixedLength, type.IsFixedLength);
    }

    [Theory]
    [InlineData("BIGINT UNSIGNED", "Int64")]
    [InlineData("UNSIGNED BIG INT", "Int64")]
    [InlineData("MEDIUMINT", "Int32")]
    [InlineData("INTEGER(11)", "Int64")]
    [InlineData("FLOATING POINT", "Int64")] // SQLite: a name containing INT has integer affinity, even this one
    [InlineData("DOUBLE(10,2)", "Double")]
    public void MapSqlite_AffinityFallback_FollowsSqliteRules(string declared, string kind)
        => Assert.Equal(Enum.Parse<ValueKind>(kind), MapSqlite(declared).Kind);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void MapSqlite_NoDeclaredType_IsSkippedWithReasonNamingColumnTypes(string declared)
    {
        var (type, reason) = TypeMapper.Map(SourceProvider.Sqlite, new DbColumn("line_count", declared, IsNullable: true));

        Assert.Null(type);
        Assert.NotNull(reason);
        Assert.Contains("ColumnTypes", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MapSqlite_UnknownDeclaredType_IsSkippedWithReasonNamingTheType()
    {
        var (type, reason) = TypeMapper.Map(SourceProvider.Sqlite, new DbColumn("shape", "GEOMETRY", IsNullable: true));

        Assert.Null(type);
        Assert.NotNull(reason);
        Assert.Contains("'GEOMETRY'", reason, StringComparison.Ordinal);
        Assert.Contains("ColumnTypes", reason, StringComparison.Ordinal);
    }

    private static ColumnType MapPostgres(string storeType)
    {
        var (type, reason) = TypeMapper.Map(SourceProvider.PostgreSql, new DbColumn("c", storeType, IsNullable: true));
        Assert.True(type is not null, $"'{storeType}' was not mapped: {reason}");
        Assert.Null(reason);
        return type;
    }

    private static ColumnType MapSqlite(string declared)
    {
        var (type, reason) = TypeMapper.Map(SourceProvider.Sqlite, new DbColumn("c", declared, IsNullable: true));
        Assert.True(type is not null, $"'{declared}' was not mapped: {reason}");
        Assert.Null(reason);
        return type;
    }
}
