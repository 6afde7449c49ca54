namespace Traceability.Audits.Features.KeepFacilities;

internal static class KeepFacilitiesSql
{
    public const string FindByIds = """
        SELECT id AS Id, gln AS Gln, osh_id AS OshId, name AS Name, country AS Country
        FROM audits.facility
        WHERE gln = @Gln OR osh_id = @OshId
        ORDER BY id
        """;

    public const string FindById = """
        SELECT id AS Id, gln AS Gln, osh_id AS OshId, name AS Name, country AS Country FROM audits.facility WHERE id = @Id
        """;

    public const string Insert = """
        INSERT INTO audits.facility (id, gln, osh_id, name, country, first_named_by, updated_at)
        VALUES (@Id, @Gln, @OshId, @Name, @Country, @FirstNamedBy, @UpdatedAt)
        """;

    public const string AddIds = """
        UPDATE audits.facility SET gln = @Gln, osh_id = @OshId, updated_at = @UpdatedAt WHERE id = @Id
        """;
}
