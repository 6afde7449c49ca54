using Traceability.Data;

namespace Traceability.Provenance.Chain;

internal static class HashChainSql
{
    public static string CreateHead(SqlDialect dialect) =>
        dialect.InsertIfAbsent("provenance.chain_head", ["exporter_id", "sequence", "head_hash"], ["exporter_id"]);

    // Writes the row without changing it: the row lock is what it is for.
    public const string LockHead = """
        UPDATE provenance.chain_head SET sequence = sequence WHERE exporter_id = @ExporterId
        """;

    public const string Head = """
        SELECT sequence AS Sequence, head_hash AS HeadHash FROM provenance.chain_head WHERE exporter_id = @ExporterId
        """;

    public const string SetHead = """
        UPDATE provenance.chain_head SET sequence = @Sequence, head_hash = @HeadHash WHERE exporter_id = @ExporterId
        """;

    public const string InsertLink = """
        INSERT INTO provenance.chain_link (exporter_id, sequence, record_type, record_id, record_hash, previous_hash, link_hash, linked_at)
        VALUES (@ExporterId, @Sequence, @RecordType, @RecordId, @RecordHash, @PreviousHash, @LinkHash, @LinkedAt)
        """;

    public const string Links = """
        SELECT sequence AS Sequence, record_type AS RecordType, record_id AS RecordId, record_hash AS RecordHash,
               previous_hash AS PreviousHash, link_hash AS LinkHash
        FROM provenance.chain_link
        WHERE exporter_id = @ExporterId AND sequence > @After
        ORDER BY sequence
        OFFSET 0 ROWS FETCH NEXT @PageSize ROWS ONLY
        """;
}
