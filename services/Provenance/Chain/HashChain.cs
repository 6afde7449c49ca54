using Traceability.Data;

namespace Traceability.Provenance.Chain;

/// <summary>What verification found: ok, or the first link that does not hold.</summary>
public sealed record ChainVerification(bool Ok, long Links, string HeadHash, BrokenLink? FirstBroken);

/// <summary>The first link that does not hold, and why.</summary>
public sealed record BrokenLink(long Sequence, string RecordType, string RecordId, string Reason);

/// <summary>
/// Every accepted record of an exporter (facility, product, shipment, EPCIS event) is appended,
/// in the transaction that stores it, to that exporter's chain: link = SHA-256(previous link ‖
/// SHA-256(canonical record)). Verification reads each record back as the API shows it, hashes it
/// again and walks the links, so a row altered behind the API's back breaks the chain.
/// </summary>
internal sealed class HashChain(Database database, TimeProvider time)
{
    private readonly string _createHead = HashChainSql.CreateHead(database.Dialect);
    private readonly Dictionary<string, Func<string, string, CancellationToken, Task<string?>>> _readers = new(StringComparer.Ordinal);

    /// <summary>Registers how a record type is read back, as canonical JSON, for verification.</summary>
    public void ReadsWith(string recordType, Func<string, string, CancellationToken, Task<string?>> read) => _readers[recordType] = read;

    /// <summary>Appends one record (in the caller's transaction).</summary>
    public Task AppendAsync(DataTransaction data, string exporterId, string recordType, string recordId, string canonicalJson) =>
        AppendManyAsync(data, exporterId, [(recordType, recordId, canonicalJson)]);

    /// <summary>Appends many records in order with one move of the head (bulk capture).</summary>
    public async Task AppendManyAsync(DataTransaction data, string exporterId, IReadOnlyList<(string RecordType, string RecordId, string CanonicalJson)> records)
    {
        if (records.Count == 0)
        {
            return;
        }
        await data.ExecuteAsync(_createHead, new { ExporterId = exporterId, Sequence = 0L, HeadHash = Canonical.Genesis });
        // Moving the head takes its row lock first, so appends of one exporter queue up instead of forking the chain.
        await data.ExecuteAsync(HashChainSql.AdvanceHeadBy, new { ExporterId = exporterId, Count = (long)records.Count });
        var head = (await data.QuerySingleOrDefaultAsync<HeadRow>(HashChainSql.Head, new { ExporterId = exporterId }))!;
        var sequence = head.Sequence - records.Count;
        var previous = head.HeadHash;
        var linkedAt = time.GetUtcNow().UtcDateTime;
        var links = new List<object>(records.Count);
        foreach (var (recordType, recordId, json) in records)
        {
            var recordHash = Canonical.Hash(json);
            var linkHash = Canonical.Link(previous, recordHash);
            links.Add(new LinkInsert(exporterId, ++sequence, recordType, recordId, recordHash, previous, linkHash, linkedAt));
            previous = linkHash;
        }
        await data.ExecuteBatchAsync(HashChainSql.InsertLink, links);
        await data.ExecuteAsync(HashChainSql.SetHeadHash, new { ExporterId = exporterId, HeadHash = previous });
    }

    private sealed record LinkInsert(string ExporterId, long Sequence, string RecordType, string RecordId, string RecordHash, string PreviousHash, string LinkHash, DateTime LinkedAt);

    public async Task<ChainVerification> VerifyAsync(string exporterId, CancellationToken cancellationToken)
    {
        const int pageSize = 500;
        var previous = Canonical.Genesis;
        long after = 0, count = 0;
        while (true)
        {
            var links = await database.QueryAsync<LinkRow>(HashChainSql.Links, new { ExporterId = exporterId, After = after, PageSize = pageSize }, cancellationToken);
            foreach (var link in links)
            {
                count++;
                string? reason = null;
                if (link.Sequence != count)
                {
                    reason = $"link {count} is missing";
                }
                else if (link.PreviousHash != previous)
                {
                    reason = "the link does not point to the link before it";
                }
                else if (Canonical.Link(link.PreviousHash, link.RecordHash) != link.LinkHash)
                {
                    reason = "the link's hash does not match its contents";
                }
                else if (!_readers.TryGetValue(link.RecordType, out var read))
                {
                    reason = $"unknown record type '{link.RecordType}'";
                }
                else if (await read(exporterId, link.RecordId, cancellationToken) is not { } record)
                {
                    reason = "the record is gone";
                }
                else if (Canonical.Hash(record) != link.RecordHash)
                {
                    reason = "the record was changed after it was accepted";
                }
                if (reason is not null)
                {
                    return new ChainVerification(false, count - 1, previous, new BrokenLink(link.Sequence, link.RecordType, link.RecordId, reason));
                }
                previous = link.LinkHash;
                after = link.Sequence;
            }
            if (links.Count < pageSize)
            {
                return new ChainVerification(true, count, previous, null);
            }
        }
    }

    private sealed record HeadRow
    {
        public long Sequence { get; init; }
        public string HeadHash { get; init; } = "";
    }

    private sealed record LinkRow
    {
        public long Sequence { get; init; }
        public string RecordType { get; init; } = "";
        public string RecordId { get; init; } = "";
        public string RecordHash { get; init; } = "";
        public string PreviousHash { get; init; } = "";
        public string LinkHash { get; init; } = "";
    }
}
