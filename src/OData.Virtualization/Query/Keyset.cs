using System.Text;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;
using OData.Virtualization.Sources;

namespace OData.Virtualization.Query;

/// <summary>
/// The keyset predicate: rows strictly after a position in the total order (the client's order terms, then the
/// key). Every page costs the same however deep it is, because the database seeks instead of skipping.
/// </summary>
/// <remarks>
/// In OData's order NULLs come first ascending and last descending. So "after v" on an ascending term is
/// <c>t &gt; v</c> (or <c>t IS NOT NULL</c> when v is NULL), and on a descending term <c>t &lt; v OR t IS NULL</c>
/// (nothing comes after a NULL). When every term is NOT NULL and in one direction, the row-value form
/// <c>(a, b) &gt; ($1, $2)</c> lets an index on (a, b) serve the seek directly.
/// </remarks>
internal static class Keyset
{
    public static string After(SqlBuilder sql, IReadOnlyList<SqlCompiler.OrderTerm> terms, IReadOnlyList<object?> values)
    {
        if (values.Count != terms.Count)
        {
            throw ODataProblem.BadRequest("The $skiptoken does not belong to this query: request the first page again.", "$skiptoken", "InvalidSkipToken");
        }

        var simple = (sql.Dialect.SeeksRowValues || terms.Count == 1) && terms.All(t => !t.Nullable) && values.All(v => v is not null) && terms.All(t => t.Descending == terms[0].Descending);
        if (simple)
        {
            var op = terms[0].Descending ? " < " : " > ";
            if (terms.Count == 1)
            {
                return "(" + terms[0].Sql + op + Parameter(sql, terms[0], values[0]) + ")";
            }

            return "((" + string.Join(", ", terms.Select(t => t.Sql)) + ")" + op + "(" + string.Join(", ", terms.Select((t, i) => Parameter(sql, t, values[i]))) + "))";
        }

        // (t1 after v1) OR (t1 = v1 AND t2 after v2) OR …
        var alternatives = new List<string>();
        var equalities = new List<string>();
        for (var i = 0; i < terms.Count; i++)
        {
            var after = AfterTerm(sql, terms[i], values[i]);
            if (after is not null)
            {
                alternatives.Add("(" + string.Join(" AND ", equalities.Append(after)) + ")");
            }

            if (i < terms.Count - 1)
            {
                equalities.Add(values[i] is null ? $"{terms[i].Sql} IS NULL" : $"{terms[i].Sql} = {Parameter(sql, terms[i], values[i])}");
            }
        }

        if (alternatives.Count == 0)
        {
            return "(1 = 0)";
        }

        // A bound on the first term in front of the OR: the database cannot seek an index with the OR alone (a deep
        // page of "$orderby=booked_at desc" scanned 700,000 rows; with the bound, 1.9 ms).
        var bound = LeadingBound(sql, terms[0], values[0]);
        var or = "(" + string.Join(" OR ", alternatives) + ")";
        return bound is null ? or : "(" + bound + " AND " + or + ")";
    }

    /// <summary>What every row after the position satisfies on the first term alone (null: nothing useful).</summary>
    private static string? LeadingBound(SqlBuilder sql, SqlCompiler.OrderTerm term, object? value)
    {
        if (value is null)
        {
            // Ascending: NULLs first, so anything may follow. Descending: NULLs last, so only NULLs follow.
            return term.Descending ? $"{term.Sql} IS NULL" : null;
        }

        var parameter = Parameter(sql, term, value);
        if (!term.Descending)
        {
            return $"{term.Sql} >= {parameter}"; // past the NULLs already
        }

        return term.Nullable ? $"({term.Sql} <= {parameter} OR {term.Sql} IS NULL)" : $"{term.Sql} <= {parameter}";
    }

    private static string? AfterTerm(SqlBuilder sql, SqlCompiler.OrderTerm term, object? value)
    {
        if (value is null)
        {
            // Ascending: NULLs came first, every non-NULL follows. Descending: NULLs are last, nothing follows.
            return term.Descending ? null : $"{term.Sql} IS NOT NULL";
        }

        var parameter = Parameter(sql, term, value);
        if (!term.Descending)
        {
            return $"{term.Sql} > {parameter}";
        }

        return term.Nullable ? $"({term.Sql} < {parameter} OR {term.Sql} IS NULL)" : $"{term.Sql} < {parameter}";
    }

    private static string Parameter(SqlBuilder sql, SqlCompiler.OrderTerm term, object? value)
    {
        // Decimals too large for System.Decimal travel as text: PostgreSQL parses them back exactly.
        if (value is string && term.Type is { Kind: ValueKind.Decimal } && sql.Dialect.DecimalFromText(string.Empty) is not null)
        {
            return sql.Dialect.DecimalFromText(sql.AddParameter(value, ColumnType.Of(ValueKind.String)))!;
        }

        return sql.AddParameter(value, term.Type);
    }
}
