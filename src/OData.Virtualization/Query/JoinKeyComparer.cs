namespace OData.Virtualization.Query;

/// <summary>
/// Compares join values across the two sides of a relationship, whose columns may differ in integer width
/// (an integer foreign key to a bigint key): integers compare by value.
/// </summary>
internal sealed class JoinKeyComparer : IEqualityComparer<object?[]>
{
    public static readonly JoinKeyComparer Instance = new();

    public bool Equals(object?[]? x, object?[]? y)
    {
        if (x is null || y is null || x.Length != y.Length)
        {
            return ReferenceEquals(x, y);
        }

        for (var i = 0; i < x.Length; i++)
        {
            if (!Equals(Normalize(x[i]), Normalize(y[i])))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(object?[] obj)
    {
        var hash = new HashCode();
        foreach (var value in obj)
        {
            hash.Add(Normalize(value));
        }

        return hash.ToHashCode();
    }

    private static object? Normalize(object? value) => value switch
    {
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        _ => value,
    };
}
