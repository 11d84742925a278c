namespace OData.Virtualization.Model;

/// <summary>Where a column is in a statement's column list (by reference: the same published column).</summary>
internal static class ColumnLists
{
    public static int IndexOfColumn(this IReadOnlyList<PublishedColumn> columns, PublishedColumn column)
    {
        for (var i = 0; i < columns.Count; i++)
        {
            if (ReferenceEquals(columns[i], column))
            {
                return i;
            }
        }

        return -1;
    }
}
