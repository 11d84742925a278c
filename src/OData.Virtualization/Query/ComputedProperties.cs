using Microsoft.OData.Edm;
using Microsoft.OData.UriParser;
using OData.Virtualization.Configuration;
using OData.Virtualization.Errors;
using OData.Virtualization.Model;

namespace OData.Virtualization.Query;

/// <summary>
/// <c>$compute</c> (OData 4.01): properties computed from the row by expressions, each compiled into the statement as
/// SQL like a <c>$filter</c> expression, never evaluated in memory. A computed property is written only where
/// <c>$select</c> names it, and <c>$filter</c> and <c>$orderby</c> may use it by its alias (the URI parser binds the
/// alias as an open property, which <see cref="FilterTranslator"/> replaces with the expression).
/// </summary>
internal sealed class ComputedProperties
{
    public static readonly ComputedProperties None = new([]);

    private readonly Dictionary<string, ComputedProperty> _byName;

    private ComputedProperties(IReadOnlyList<ComputedProperty> items)
    {
        Items = items;
        _byName = items.ToDictionary(i => i.Name, StringComparer.Ordinal);
    }

    public IReadOnlyList<ComputedProperty> Items { get; }

    /// <summary>The expression of the computed property <paramref name="name"/>, if the request computes one of that name.</summary>
    public SingleValueNode? ExpressionOf(string name) => _byName.GetValueOrDefault(name)?.Expression;

    /// <summary>The computed property a synthesized <see cref="PublishedColumn"/> stands for (null for a table column).</summary>
    public ComputedProperty? Of(PublishedColumn column)
    {
        foreach (var item in Items)
        {
            if (ReferenceEquals(item.Column, column))
            {
                return item;
            }
        }

        return null;
    }

    public ComputedProperty? Find(string name) => _byName.GetValueOrDefault(name);

    /// <summary>
    /// Checks each expression as the statement will compile it (a masked column, an unknown function and a non-primitive
    /// result are 400s here, before any SQL runs) and gives each a column that the entity writer writes like a table's.
    /// </summary>
    public static ComputedProperties Plan(PublishedSet set, ComputeClause? clause, LimitOptions limits)
    {
        if (clause is null || !clause.ComputedItems.Any())
        {
            return None;
        }

        var items = new List<ComputedProperty>();
        foreach (var computed in clause.ComputedItems)
        {
            if (set.FindColumn(computed.Alias) is not null || items.Any(i => i.Name == computed.Alias))
            {
                throw ODataProblem.BadRequest($"'{computed.Alias}' is already a property of '{set.Name}' or computed twice: give the computed property a name of its own.", "$compute");
            }

            if (computed.Expression.TypeReference is not IEdmPrimitiveTypeReference)
            {
                throw ODataProblem.BadRequest($"The computed property '{computed.Alias}' has no primitive type: compute a number, text, a date, a time or a boolean from the row (a null literal has no type).", "$compute");
            }

            FilterComplexity.Check(computed.Expression, limits, "$compute");

            // Compiled once here, for its type and to refuse what cannot be compiled; the statement compiles it again.
            var translator = new FilterTranslator(new SqlBuilder(set.Source.Dialect), set, SqlCompiler.Alias, DateTimeOffset.UtcNow) { Clause = "$compute", Computed = new ComputedProperties(items) };
            translator.OrderExpression(computed.Expression, out var nullable, out var type);
            if (type is null || type.IsCollection)
            {
                throw ODataProblem.BadRequest($"The computed property '{computed.Alias}' has no primitive type the service can return: compute a number, text, a date, a time or a boolean.", "$compute");
            }

            // A computed decimal is read as text (SqlDialect.Computed): its digits are the database's, however many
            // (79228162514264337593543950335M mul 10 is past .NET's decimal, and SQLite computes decimals as doubles).
            // Named by its alias in the statement too: the statement is part of the cache keys, and two aliases of one
            // expression are two responses.
            var column = new PublishedColumn(computed.Alias, computed.Alias, type with { ReadAsText = type.Kind == ValueKind.Decimal, CompareAs = null }, nullable) { IsComputed = true };
            items.Add(new ComputedProperty(computed.Alias, computed.Expression, column));
        }

        return new ComputedProperties(items);
    }
}

/// <summary>One computed property: its alias, its expression, and the column it is read and written as.</summary>
internal sealed record ComputedProperty(string Name, SingleValueNode Expression, PublishedColumn Column);
