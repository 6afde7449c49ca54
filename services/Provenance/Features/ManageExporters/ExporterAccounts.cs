using System.Text.RegularExpressions;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Provenance.Exporters;

namespace Traceability.Provenance.Features.ManageExporters;

/// <summary>An exporter as the admin sees it.</summary>
public sealed record ExporterResponse(string Id, string Name, DateTime CreatedAt);

/// <summary>A key just issued: the only time the key itself is shown.</summary>
public sealed record IssuedKeyResponse(Guid KeyId, string ExporterId, string Key, string Prefix, DateTime CreatedAt);

/// <summary>A key as listed: never the key itself.</summary>
public sealed record KeyResponse(Guid KeyId, string Prefix, DateTime CreatedAt, DateTime? RevokedAt);

/// <summary>What the admin asks to create.</summary>
[System.Text.Json.Serialization.JsonUnmappedMemberHandling(System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
public sealed record CreateExporterRequest(string? Id, string? Name);

/// <summary>Onboards exporters and issues, rotates and revokes their API keys (admin API and command line).</summary>
internal sealed partial class ExporterAccounts(Database database, ExporterKeys keys, TimeProvider time)
{
    public static bool TryValidate(CreateExporterRequest request, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        errors.Require(request.Id is null || ExporterId().IsMatch(request.Id), "id",
            "An exporter id is 2 to 64 lower-case letters, digits or '-', starting with a letter or digit.");
        errors.RequireText("name", request.Name, 200, required: true, "The name");
        return errors.IsEmpty;
    }

    /// <summary>Creates the exporter; null when the id is taken.</summary>
    public async Task<ExporterResponse?> CreateAsync(CreateExporterRequest request, CancellationToken cancellationToken)
    {
        var exporter = new ExporterResponse(request.Id ?? Guid.CreateVersion7().ToString("N"), request.Name!.Trim(), time.GetUtcNow().UtcDateTime);
        try
        {
            await database.InTransactionAsync(data => data.ExecuteAsync(ManageExportersSql.InsertExporter, exporter), cancellationToken);
            return exporter;
        }
        catch (Exception taken) when (database.Dialect.IsUniqueViolation(taken, out _))
        {
            // The primary key decides, first or in a race alike (the command line has no HTTP handler to do it).
            return null;
        }
    }

    public Task<IReadOnlyList<ExporterResponse>> ListAsync(CancellationToken cancellationToken) =>
        database.QueryAsync<ExporterResponse>(ManageExportersSql.Exporters, null, cancellationToken);

    public Task<IReadOnlyList<KeyResponse>> KeysAsync(string exporterId, CancellationToken cancellationToken) =>
        database.QueryAsync<KeyResponse>(ManageExportersSql.KeysOfExporter, new { ExporterId = exporterId }, cancellationToken);

    public async Task<bool> ExistsAsync(string exporterId, CancellationToken cancellationToken) =>
        await database.QuerySingleOrDefaultAsync<ExporterResponse>(ManageExportersSql.ExporterById, new { Id = exporterId }, cancellationToken) is not null;

    /// <summary>Issues a new key; with <paramref name="replacing"/>, revokes that key in the same transaction (rotation).</summary>
    public async Task<IssuedKeyResponse?> IssueKeyAsync(string exporterId, Guid? replacing, CancellationToken cancellationToken)
    {
        var (key, prefix, hash) = ApiKey.Issue();
        var issued = new IssuedKeyResponse(Guid.CreateVersion7(), exporterId, key, prefix, time.GetUtcNow().UtcDateTime);
        string? replacedPrefix = null;
        var done = await database.InTransactionAsync(async data =>
        {
            if (await data.QuerySingleOrDefaultAsync<ExporterResponse>(ManageExportersSql.ExporterById, new { Id = exporterId }) is null)
            {
                return false;
            }
            if (replacing is { } old)
            {
                replacedPrefix = await data.QuerySingleOrDefaultAsync<string>(ManageExportersSql.PrefixOfKey, new { Id = old, ExporterId = exporterId });
                if (replacedPrefix is null || await data.ExecuteAsync(ManageExportersSql.RevokeKey, new { Id = old, ExporterId = exporterId, RevokedAt = issued.CreatedAt }) == 0)
                {
                    return false;
                }
            }
            await data.ExecuteAsync(ManageExportersSql.InsertKey, new { Id = issued.KeyId, ExporterId = exporterId, Prefix = prefix, KeyHash = hash, issued.CreatedAt });
            return true;
        }, cancellationToken);
        if (replacedPrefix is not null)
        {
            keys.Forget(replacedPrefix);
        }
        return done ? issued : null;
    }

    /// <summary>Revokes a key of the exporter; false when there is no such active key.</summary>
    public async Task<bool> RevokeKeyAsync(string exporterId, Guid keyId, CancellationToken cancellationToken)
    {
        string? prefix = null;
        var revoked = await database.InTransactionAsync(async data =>
        {
            prefix = await data.QuerySingleOrDefaultAsync<string>(ManageExportersSql.PrefixOfKey, new { Id = keyId, ExporterId = exporterId });
            return await data.ExecuteAsync(ManageExportersSql.RevokeKey, new { Id = keyId, ExporterId = exporterId, RevokedAt = time.GetUtcNow().UtcDateTime }) == 1;
        }, cancellationToken);
        if (prefix is not null)
        {
            keys.Forget(prefix);
        }
        return revoked;
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,63}$")]
    private static partial Regex ExporterId();
}
