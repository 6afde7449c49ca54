using System.Text.Json;
using Traceability.Hosting;

namespace Traceability.Provenance.Features.ManageExporters;

/// <summary>
/// The admin's command line, run against the service's own database:
/// <code>
/// dotnet Traceability.Provenance.dll exporters create "&lt;name&gt;" [&lt;id&gt;]
/// dotnet Traceability.Provenance.dll exporters list
/// dotnet Traceability.Provenance.dll exporters issue-key &lt;exporter-id&gt;
/// dotnet Traceability.Provenance.dll exporters rotate-key &lt;exporter-id&gt; &lt;key-id&gt;
/// dotnet Traceability.Provenance.dll exporters revoke-key &lt;exporter-id&gt; &lt;key-id&gt;
/// </code>
/// </summary>
internal static class ExporterCommandLine
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static bool Handles(string[] args) => args.Length > 0 && args[0] == "exporters";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        await app.MigrateAsync(typeof(ExporterCommandLine).Assembly);
        var accounts = app.Services.GetRequiredService<ExporterAccounts>();
        var ct = CancellationToken.None;
        object? result = args.Skip(1).ToArray() switch
        {
            ["create", var name] => await CreateAsync(accounts, new CreateExporterRequest(null, name), ct),
            ["create", var name, var id] => await CreateAsync(accounts, new CreateExporterRequest(id, name), ct),
            ["list"] => await accounts.ListAsync(ct),
            ["issue-key", var exporter] => (object?)await accounts.IssueKeyAsync(exporter, null, ct) ?? Fail($"No exporter '{exporter}'."),
            ["rotate-key", var exporter, var key] when Guid.TryParse(key, out var keyId) =>
                (object?)await accounts.IssueKeyAsync(exporter, keyId, ct) ?? Fail($"No active key {key} of exporter '{exporter}'."),
            ["revoke-key", var exporter, var key] when Guid.TryParse(key, out var keyId) =>
                await accounts.RevokeKeyAsync(exporter, keyId, ct) ? new { revoked = keyId } : Fail($"No active key {key} of exporter '{exporter}'."),
            _ => Fail("usage: exporters create <name> [<id>] | list | issue-key <exporter-id> | rotate-key <exporter-id> <key-id> | revoke-key <exporter-id> <key-id>"),
        };
        if (result is Failure failure)
        {
            await Console.Error.WriteLineAsync(failure.Message);
            return 1;
        }
        Console.WriteLine(JsonSerializer.Serialize(result, Json));
        return 0;
    }

    private static async Task<object> CreateAsync(ExporterAccounts accounts, CreateExporterRequest request, CancellationToken ct)
    {
        if (!ExporterAccounts.TryValidate(request, out var errors))
        {
            return Fail(string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        }
        return (object?)await accounts.CreateAsync(request, ct) ?? Fail($"An exporter with id '{request.Id}' exists.");
    }

    private static object Fail(string message) => new Failure(message);

    private sealed record Failure(string Message);
}
