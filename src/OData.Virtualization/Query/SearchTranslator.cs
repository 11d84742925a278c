using Microsoft.OData.UriParser;
using OData.Virtualization.Configuration;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// <c>$search</c>: each term matches when any published text column contains it, ignoring case
/// (as Salesforce's free-text search expects); terms combine with AND, OR and NOT.
/// </summary>
internal static class SearchTranslator
{
    public static string Predicate(SqlBuilder sql, PublishedSet set, string alias, SingleValueNode node)
    {
        // Masked columns are not searched: a match would reveal what the mask hides.
        var columns = set.Columns.Where(c => c.Type.IsText && c.Mask is null).ToList();
        return Compile(sql, columns, alias, node);
    }

    private static string Compile(SqlBuilder sql, IReadOnlyList<PublishedColumn> columns, string alias, SingleValueNode node)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (node)
        {
            case SearchTermNode term:
                if (columns.Count == 0)
                {
                    return "(1 = 0)";
                }

                // Each match is made two-valued (a NULL column does not match) so that NOT works.
                return "(" + string.Join(" OR ", columns.Select(c =>
                {
                    var column = sql.Dialect.CompareColumn(alias + "." + SqlDialect.Quote(c.ColumnName), c.Type);
                    var match = sql.Dialect.SearchContains(sql, column, term.Text);
                    return c.IsNullable ? $"COALESCE({match}, {sql.Dialect.False})" : match;
                })) + ")";
            case BinaryOperatorNode { OperatorKind: BinaryOperatorKind.And or BinaryOperatorKind.Or } binary:
                var op = binary.OperatorKind == BinaryOperatorKind.And ? " AND " : " OR ";
                return "(" + Compile(sql, columns, alias, binary.Left) + op + Compile(sql, columns, alias, binary.Right) + ")";
            case UnaryOperatorNode { OperatorKind: UnaryOperatorKind.Not } not:
                return "(NOT " + Compile(sql, columns, alias, not.Operand) + ")";
            default:
                throw ODataProblem.BadRequest("The $search expression is not valid.", "$search");
        }
    }

    /// <summary>Holds <c>$search</c> to the limits on its terms' number and length (each term scans every text column).</summary>
    public static void CheckLimits(SingleValueNode expression, LimitOptions limits)
    {
        var terms = new List<string>();
        Collect(expression);
        if (limits.MaxSearchTerms > 0 && terms.Count > limits.MaxSearchTerms)
        {
            throw ODataProblem.BadRequest($"$search has {terms.Count} terms; the most this service accepts is {limits.MaxSearchTerms}. Search for fewer words.", "$search", "LimitExceeded");
        }

        if (limits.MaxSearchTermLength > 0 && terms.FirstOrDefault(t => t.Length > limits.MaxSearchTermLength) is { } tooLong)
        {
            throw ODataProblem.BadRequest($"A $search term has {tooLong.Length} characters; the longest this service accepts is {limits.MaxSearchTermLength}. Search for a shorter word or phrase.", "$search", "LimitExceeded");
        }

        void Collect(SingleValueNode node)
        {
            switch (node)
            {
                case SearchTermNode term:
                    terms.Add(term.Text);
                    break;
                case BinaryOperatorNode binary:
                    Collect(binary.Left);
                    Collect(binary.Right);
                    break;
                case UnaryOperatorNode unary:
                    Collect(unary.Operand);
                    break;
                case ConvertNode convert:
                    Collect(convert.Source);
                    break;
            }
        }
    }
}
