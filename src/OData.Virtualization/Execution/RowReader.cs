using System.Data.Common;
using OData.Virtualization.Model;
using OData.Virtualization.Serialization;

namespace OData.Virtualization.Execution;

/// <summary>Reads the current row of a data reader into memory, each value converted to its column's published type.</summary>
internal static class RowReader
{
    /// <summary>The first <paramref name="columns"/>.Count values of the current row, in order.</summary>
    public static BufferedRow Read(DbDataReader reader, IReadOnlyList<PublishedColumn> columns)
    {
        var values = new object?[columns.Count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = ValueWriter.ReadBoxed(reader, i, columns[i].Type);
        }

        return new BufferedRow(values);
    }
}
