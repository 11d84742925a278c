using System.Globalization;
using System.Text;

namespace OData.Virtualization.IntegrationTests.Diagnostics;

/// <summary>One sample of a Prometheus text exposition: <c>name{label="value",…} 12</c>.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.TryGetValue(name, out var value) ? value : string.Empty;
}

/// <summary>Reads the text format Prometheus scrapes (version 0.0.4), enough for our assertions.</summary>
public static class PrometheusText
{
    public static IReadOnlyList<PrometheusSample> Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            string name;
            int rest;
            if (brace >= 0)
            {
                name = line[..brace];
                rest = ReadLabels(line, brace + 1, labels);
            }
            else
            {
                rest = line.IndexOf(' ', StringComparison.Ordinal);
                name = line[..rest];
            }

            var value = line[rest..].Trim().Split(' ')[0];
            samples.Add(new PrometheusSample(name, labels, value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
            }));
        }

        return samples;
    }

    /// <summary>Reads <c>a="x",b="y"}</c> from <paramref name="start"/>; returns the index after the closing brace.</summary>
    private static int ReadLabels(string line, int start, Dictionary<string, string> labels)
    {
        var i = start;
        while (line[i] != '}')
        {
            var equals = line.IndexOf('=', i);
            var key = line[i..equals];
            i = equals + 2; // past ="
            var value = new StringBuilder();
            while (line[i] != '"')
            {
                if (line[i] == '\\')
                {
                    i++;
                    value.Append(line[i] == 'n' ? '\n' : line[i]);
                }
                else
                {
                    value.Append(line[i]);
                }

                i++;
            }

            labels[key] = value.ToString();
            i++; // past the closing quote
            if (line[i] == ',')
            {
                i++;
            }
        }

        return i + 1;
    }
}
