using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using OData.Virtualization.Configuration;
using OData.Virtualization.Model;

namespace OData.Virtualization.Hosting;

/// <summary>Checks the refresh, model lock, shutdown and administration settings, each error saying how to fix it.</summary>
internal sealed partial class OperationsOptionsValidator : IValidateOptions<VirtualizationOptions>
{
    public ValidateOptionsResult Validate(string? name, VirtualizationOptions options)
    {
        var errors = new List<string>();
        var refresh = options.Refresh;
        if (refresh.IntervalSeconds < 0)
        {
            errors.Add($"OData:Refresh:IntervalSeconds is {refresh.IntervalSeconds}. Use a number of seconds (300 is the default), or 0 to turn scheduled refreshes off.");
        }

        if (refresh.UnavailableRetrySeconds < 0)
        {
            errors.Add($"OData:Refresh:UnavailableRetrySeconds is {refresh.UnavailableRetrySeconds}. Use a number of seconds (30 is the default), or 0 to wait for the schedule.");
        }

        if (refresh.DebounceMilliseconds is < 0 or > 60_000)
        {
            errors.Add($"OData:Refresh:DebounceMilliseconds is {refresh.DebounceMilliseconds}. Use 0 to 60000 (1000 is the default).");
        }

        if (!string.IsNullOrEmpty(refresh.NotifyChannel) && !Channel().IsMatch(refresh.NotifyChannel))
        {
            errors.Add($"OData:Refresh:NotifyChannel is '{refresh.NotifyChannel}'. Use a PostgreSQL identifier of letters, digits and underscores, starting with a letter (default: odata_schema_changed), or an empty value to stop listening.");
        }

        var shutdown = options.Shutdown;
        if (shutdown.DrainSeconds is < 0 or > 3600)
        {
            errors.Add($"OData:Shutdown:DrainSeconds is {shutdown.DrainSeconds}. Use 0 to 3600 seconds (30 is the default).");
        }

        if (shutdown.ReadinessDelaySeconds is < 0 or > 300)
        {
            errors.Add($"OData:Shutdown:ReadinessDelaySeconds is {shutdown.ReadinessDelaySeconds}. Use 0 to 300 seconds (behind a Kubernetes Service, 5 to 10).");
        }

        if (options.ModelLock.Path is { } path && path.Length > 0 && path.Trim().Length == 0)
        {
            errors.Add("OData:ModelLock:Path is blank. Set it to a file the server may write (for example /var/lib/odata/model.lock.json), or remove it.");
        }

        if (options.Admin.Roles.Any(string.IsNullOrWhiteSpace))
        {
            errors.Add("OData:Admin:Roles has an empty role. List role names (odata-admin is the default).");
        }

        var prefix = options.Salesforce.RoutePrefix.Trim('/');
        if (prefix.Equals("admin", StringComparison.OrdinalIgnoreCase) || prefix.StartsWith("admin/", StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"OData:Salesforce:RoutePrefix is '{options.Salesforce.RoutePrefix}', where the administration endpoints are (/admin). Use another path (default: salesforce).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex Channel();
}
