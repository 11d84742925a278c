using System.Collections;
using System.Globalization;
using System.Text.RegularExpressions;
using MySqlConnector;
using OData.Virtualization.IntegrationTests.MySql;

namespace OData.Virtualization.IntegrationTests.Security;

/// <summary>
/// <see cref="SecureBankFixture"/> over the MySQL seed in the shared MariaDB (case-insensitive default collation): the
/// same users, keys, roles and policies. The tests' witness statements are PostgreSQL's, rewritten here for MySQL
/// (schema, <c>::text</c>, <c>$n</c>, <c>= ANY($n)</c>, <c>COLLATE "C"</c>); they read as root, not through the server.
/// </summary>
public sealed partial class MariaDbSecureBankFixture : SecureBankFixture
{
    protected override async Task<Dictionary<string, string?>> SeedSettingsAsync()
    {
        var server = await MariaDbSeedFixture.ServerAsync();
        ErpConnectionString = server.ConnectionString("erp");
        BankConnectionString = server.ConnectionString("bank");
        return MariaDbSeedFixture.SeedSettings(server);
    }

    public override async Task<List<string>> BankStringsAsync(string sql, params object[] parameters)
    {
        await using var connection = new MySqlConnection(BankConnectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand { Connection = connection };
        var text = MySqlStatement(sql);
        for (var i = 0; i < parameters.Length; i++)
        {
            var name = "@p" + (i + 1).ToString(CultureInfo.InvariantCulture);
            if (parameters[i] is IEnumerable list and not string)
            {
                // = ANY($n) over an array: an IN list of one parameter per element.
                var names = new List<string>();
                foreach (var element in list)
                {
                    names.Add(name + "_" + names.Count.ToString(CultureInfo.InvariantCulture));
                    command.Parameters.AddWithValue(names[^1], element);
                }

                text = text.Replace("= ANY(" + name + ")", names.Count == 0 ? "IN (NULL)" : "IN (" + string.Join(", ", names) + ")", StringComparison.Ordinal);
            }
            else
            {
                command.Parameters.AddWithValue(name, parameters[i]);
            }
        }

        command.CommandText = "SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,STRICT_ALL_TABLES', time_zone = '+00:00'; " + text;
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetValue(0) switch
            {
                DateTime d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                var v => Convert.ToString(v, CultureInfo.InvariantCulture)!,
            });
        }

        return values;
    }

    /// <summary>A witness statement written for PostgreSQL, in MySQL's terms.</summary>
    internal static string MySqlStatement(string sql)
    {
        var text = sql.Replace("core.", string.Empty, StringComparison.Ordinal)
            .Replace("COLLATE \"C\"", "COLLATE utf8mb4_bin", StringComparison.Ordinal);
        text = CastToText().Replace(text, "CAST($1 AS CHAR)");
        // MySQL's own NULL order is PostgreSQL's NULLS FIRST ascending and NULLS LAST descending.
        text = text.Replace(" DESC NULLS LAST", " DESC", StringComparison.Ordinal);
        text = AscendingNullsFirst().Replace(text.Replace(" ASC NULLS FIRST", " ASC", StringComparison.Ordinal), string.Empty);
        if (text.Contains("NULLS ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("A NULL order MySQL does not have by default: " + sql);
        }

        if (text.Contains(" OFFSET ", StringComparison.Ordinal) && !text.Contains(" LIMIT ", StringComparison.Ordinal))
        {
            text = text.Replace(" OFFSET ", " LIMIT 18446744073709551615 OFFSET ", StringComparison.Ordinal);
        }

        text = Positional().Replace(text, "@p$1");
        if (text.Contains("::", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("A PostgreSQL cast the MySQL rewrite does not know: " + sql);
        }

        return text;
    }

    [GeneratedRegex(@"([\w.]+\([^()]*\)|[\w.]+|\([^()]*\))::text")]
    private static partial Regex CastToText();

    [GeneratedRegex(@"(?<! DESC) NULLS FIRST")]
    private static partial Regex AscendingNullsFirst();

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Positional();
}

[CollectionDefinition(Name)]
public sealed class MariaDbSecureBankCollection : ICollectionFixture<MariaDbSecureBankFixture>
{
    public const string Name = "SecureBank on MariaDB";
}
