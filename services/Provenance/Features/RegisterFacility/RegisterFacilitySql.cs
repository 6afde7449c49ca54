using Traceability.Data;

namespace Traceability.Provenance.Features.RegisterFacility;

internal static class RegisterFacilitySql
{
    public const string InsertFacility = """
        INSERT INTO provenance.facility (id, exporter_id, gln, osh_id, name, country, region, latitude, longitude, facility_type, revision, registered_at, updated_at)
        VALUES (@Id, @ExporterId, @Gln, @OshId, @Name, @Country, @Region, @Latitude, @Longitude, @Type, @Revision, @RegisteredAt, @UpdatedAt)
        """;

    public const string UpdateFacility = """
        UPDATE provenance.facility
        SET gln = @Gln, osh_id = @OshId, name = @Name, country = @Country, region = @Region, latitude = @Latitude,
            longitude = @Longitude, facility_type = @Type, revision = @Revision, updated_at = @UpdatedAt
        WHERE id = @Id AND exporter_id = @ExporterId AND revision = @Revision - 1
        """;

    public const string InsertRevision = """
        INSERT INTO provenance.facility_revision (facility_id, revision, canonical) VALUES (@FacilityId, @Revision, @Canonical)
        """;

    public static string FacilitiesByIds(SqlDialect dialect) => $"""
        SELECT id AS Id, revision AS Revision, gln AS Gln, osh_id AS OshId, name AS Name, country AS Country, region AS Region,
               latitude AS Latitude, longitude AS Longitude, facility_type AS Type, registered_at AS RegisteredAt, updated_at AS UpdatedAt
        FROM provenance.facility
        WHERE exporter_id = @ExporterId AND {dialect.IsAnyOf("id", "Ids")}
        """;

    public static string RevisionsOfFacilities(SqlDialect dialect) => $"""
        SELECT f.facility_id AS FacilityId, f.revision AS Revision, f.canonical AS Canonical FROM provenance.facility_revision f
        JOIN provenance.facility g ON g.id = f.facility_id
        WHERE g.exporter_id = @ExporterId AND {dialect.IsAnyOf("f.facility_id", "Ids")}
        """;

    public const string FacilityOfExporter = """
        SELECT id AS Id, revision AS Revision, gln AS Gln, osh_id AS OshId, name AS Name, country AS Country, region AS Region,
               latitude AS Latitude, longitude AS Longitude, facility_type AS Type, registered_at AS RegisteredAt, updated_at AS UpdatedAt
        FROM provenance.facility
        WHERE id = @Id AND exporter_id = @ExporterId
        """;

    public const string FacilitiesOfExporter = """
        SELECT id AS Id, revision AS Revision, gln AS Gln, osh_id AS OshId, name AS Name, country AS Country, region AS Region,
               latitude AS Latitude, longitude AS Longitude, facility_type AS Type, registered_at AS RegisteredAt, updated_at AS UpdatedAt
        FROM provenance.facility
        WHERE exporter_id = @ExporterId AND (@Country IS NULL OR country = @Country)
        ORDER BY registered_at, id
        OFFSET @Offset ROWS FETCH NEXT @PageSize ROWS ONLY
        """;

    public const string CountOfExporter = """
        SELECT COUNT(*) FROM provenance.facility WHERE exporter_id = @ExporterId AND (@Country IS NULL OR country = @Country)
        """;
}
