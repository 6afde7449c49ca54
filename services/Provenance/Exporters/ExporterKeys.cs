using System.Collections.Concurrent;
using Traceability.Data;

namespace Traceability.Provenance.Exporters;

/// <summary>
/// Resolves an API key to its exporter. A verified key is remembered for a few seconds so that a
/// busy exporter does not cost a database read per request; revoking through this instance forgets
/// it at once, other instances within <see cref="CacheFor"/>.
/// </summary>
internal sealed class ExporterKeys(Database database, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (Exporter? Exporter, byte[] Hash, DateTimeOffset Until)> _recent = new(StringComparer.Ordinal);

    public async Task<Exporter?> FindAsync(string? key, CancellationToken cancellationToken)
    {
        if (ApiKey.PrefixOf(key) is not { } prefix)
        {
            return null;
        }
        var now = time.GetUtcNow();
        if (_recent.TryGetValue(prefix, out var cached) && cached.Until > now)
        {
            return ApiKey.Matches(key!, cached.Hash) ? cached.Exporter : null;
        }
        var row = await database.QuerySingleOrDefaultAsync<KeyRow>(ExporterKeysSql.KeyByPrefix, new { Prefix = prefix }, cancellationToken);
        if (row is null)
        {
            return null;
        }
        var exporter = row.RevokedAt is null ? new Exporter(row.ExporterId) { KeyPrefix = prefix } : null;
        _recent[prefix] = (exporter, row.KeyHash, now + CacheFor);
        return ApiKey.Matches(key!, row.KeyHash) ? exporter : null;
    }

    public void Forget(string prefix) => _recent.TryRemove(prefix, out _);

    private sealed record KeyRow
    {
        public Guid Id { get; init; }
        public string ExporterId { get; init; } = "";
        public byte[] KeyHash { get; init; } = [];
        public DateTime? RevokedAt { get; init; }
    }
}
