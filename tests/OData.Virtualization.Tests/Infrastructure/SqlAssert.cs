using System.Collections;
using OData.Virtualization.Query;

namespace OData.Virtualization.Tests.Infrastructure;

/// <summary>Assertions on compiled statements, in the spirit of efcore.pg's <c>AssertSql</c>: the reviewer sees the SQL.</summary>
internal static class SqlAssert
{
    public static void Sql(string expected, SqlStatement statement) => Assert.Equal(expected, statement.Text);

    /// <summary>
    /// The bound values, in order, with their exact runtime types (an <c>int</c> is not a <c>long</c>, an
    /// <c>int[]</c> is not an <c>object[]</c>) and, for <see cref="DateTime"/>, the same <see cref="DateTime.Kind"/>.
    /// </summary>
    public static void Parameters(SqlStatement statement, params object?[] expected)
    {
        var actual = statement.Parameters.Select(p => p.Value).ToList();
        Assert.True(
            expected.Length == actual.Count,
            $"Expected {expected.Length} parameters, got {actual.Count}: {string.Join(", ", actual.Select(Describe))}");
        for (var i = 0; i < expected.Length; i++)
        {
            var want = expected[i];
            var got = actual[i];
            if (want is null)
            {
                Assert.Null(got);
                continue;
            }

            Assert.NotNull(got);
            Assert.True(want.GetType() == got.GetType(), $"Parameter {i}: expected {Describe(want)}, got {Describe(got)}");
            if (want is IEnumerable wantItems and not string)
            {
                Assert.Equal(wantItems.Cast<object?>(), ((IEnumerable)got).Cast<object?>());
            }
            else
            {
                Assert.Equal(want, got);
            }

            if (want is DateTime wantTime)
            {
                Assert.Equal(wantTime.Kind, ((DateTime)got).Kind);
            }
        }
    }

    /// <summary>None of the client's literal texts appears in the SQL: they travel only as parameters.</summary>
    public static void NoLiteral(SqlStatement statement, params string[] clientTexts)
    {
        foreach (var text in clientTexts)
        {
            Assert.DoesNotContain(text, statement.Text, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        DateTime time => $"{time:O} ({time.Kind}, DateTime)",
        IEnumerable items and not string => $"[{string.Join(", ", items.Cast<object?>())}] ({value.GetType().Name})",
        _ => $"{value} ({value.GetType().Name})",
    };
}
