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
    private readonly Dictionary<string, ReadRecords> _readers = new(StringComparer.Ordinal);

    /// <summary>How verification reads an exporter's records of one type back: canonical JSON by record id; ids it cannot find are left out.</summary>
    public delegate Task<IReadOnlyDictionary<string, string>> ReadRecords(string exporterId, IReadOnlyList<string> recordIds, CancellationToken cancellationToken);

    /// <summary>Registers how a record type is read back, a page of records at a time, for verification.</summary>
    public void ReadsWith(string recordType, ReadRecords read) => _readers[recordType] = read;

    /// <summary>The record ids that are GUIDs (records keyed by one), each with the id as the chain wrote it.</summary>
    public static Dictionary<Guid, string> GuidIds(IReadOnlyList<string> recordIds)
    {
        var ids = new Dictionary<Guid, string>();
        foreach (var recordId in recordIds)
        {
            if (Guid.TryParse(recordId, out var id))
            {
                ids[id] = recordId;
            }
        }
        return ids;
    }

    /// <summary>
    /// The lock of an exporter's chain head: its row, created when missing, locked until the transaction ends, so appends of
    /// one exporter queue up instead of forking the chain. A handler names it to its shared transaction, which takes the heads
    /// of every unit in it first, in exporter order (<see cref="TransactionLock"/>): a shared transaction holding several
    /// exporters' heads took them in arrival order, and two such transactions (two instances) deadlocked on each other.
    /// </summary>
    public TransactionLock Head(string exporterId) => new($"provenance.chain-head:{exporterId}",
    [
        (_createHead, new { ExporterId = exporterId, Sequence = 0L, HeadHash = Canonical.Genesis }),
        (HashChainSql.LockHead, new { ExporterId = exporterId }),
    ]);

    /// <summary>Appends one record (in the caller's transaction).</summary>
    public Task AppendAsync(DataTransaction data, string exporterId, string recordType, string recordId, string canonicalJson) =>
        AppendManyAsync(data, exporterId, [(recordType, recordId, canonicalJson)]);

    /// <summary>Appends many records in order (bulk capture); the links are written with the transaction's other held writes.</summary>
    public async Task AppendManyAsync(DataTransaction data, string exporterId, IReadOnlyList<(string RecordType, string RecordId, string CanonicalJson)> records)
    {
        if (records.Count == 0)
        {
            return;
        }
        var heads = data.State(typeof(HashChain), () => new Dictionary<string, HeadRow>(StringComparer.Ordinal));
        if (!heads.TryGetValue(exporterId, out var head))
        {
            // The exporter's first append in this transaction reads the head, under its lock (taken first by a handler that
            // named it, else now). Later appends in the same (shared) transaction go on from memory; the head is written once,
            // just before commit.
            data.Lock([Head(exporterId)]);
            head = (await data.QuerySingleOrDefaultAsync<HeadRow>(HashChainSql.Head, new { ExporterId = exporterId }))!;
            data.BeforeCommit(d =>
            {
                var last = heads[exporterId];
                d.Defer(HashChainSql.SetHead, new { ExporterId = exporterId, last.Sequence, last.HeadHash });
                return Task.CompletedTask;
            });
        }
        var sequence = head.Sequence;
        var previous = head.HeadHash;
        var linkedAt = time.GetUtcNow().UtcDateTime;
        foreach (var (recordType, recordId, json) in records)
        {
            var recordHash = Canonical.Hash(json);
            var linkHash = Canonical.Link(previous, recordHash);
            data.Defer(HashChainSql.InsertLink, new LinkInsert(exporterId, ++sequence, recordType, recordId, recordHash, previous, linkHash, linkedAt));
            previous = linkHash;
        }
        heads[exporterId] = new HeadRow { Sequence = sequence, HeadHash = previous };
    }

    private sealed record LinkInsert(string ExporterId, long Sequence, string RecordType, string RecordId, string RecordHash, string PreviousHash, string LinkHash, DateTime LinkedAt);

    /// <summary>
    /// Walks the chain a page of links at a time; each page's records are read with one query per
    /// record type, not one per record, so verifying a long chain costs a few round trips per thousand links.
    /// </summary>
    public async Task<ChainVerification> VerifyAsync(string exporterId, CancellationToken cancellationToken)
    {
        const int pageSize = 1000;
        var previous = Canonical.Genesis;
        long after = 0, count = 0;
        while (true)
        {
            var links = await database.QueryAsync<LinkRow>(HashChainSql.Links, new { ExporterId = exporterId, After = after, PageSize = pageSize }, cancellationToken);
            var records = await ReadRecordsAsync(exporterId, links, cancellationToken);
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
                else if (!_readers.ContainsKey(link.RecordType))
                {
                    reason = $"unknown record type '{link.RecordType}'";
                }
                else if (!records.TryGetValue((link.RecordType, link.RecordId), out var record))
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

    private async Task<Dictionary<(string RecordType, string RecordId), string>> ReadRecordsAsync(
        string exporterId, IReadOnlyList<LinkRow> links, CancellationToken cancellationToken)
    {
        var records = new Dictionary<(string, string), string>();
        foreach (var type in links.GroupBy(l => l.RecordType, StringComparer.Ordinal))
        {
            if (_readers.TryGetValue(type.Key, out var read))
            {
                var found = await read(exporterId, type.Select(l => l.RecordId).Distinct(StringComparer.Ordinal).ToList(), cancellationToken);
                foreach (var (id, json) in found)
                {
                    records[(type.Key, id)] = json;
                }
            }
        }
        return records;
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
