namespace Traceability.Audits.Features.RegisterAuditors;

internal static class AuditorsSql
{
    public const string InsertAuditor = """
        INSERT INTO audits.auditor (id, name, firm, apsca_number, level, status, revision, registered_at, updated_at)
        VALUES (@Id, @Name, @Firm, @ApscaNumber, @Level, @Status, @Revision, @RegisteredAt, @UpdatedAt)
        """;

    // Conditional on the revision read: of two concurrent replaces, the second changes nothing.
    public const string UpdateAuditor = """
        UPDATE audits.auditor
        SET name = @Name, firm = @Firm, apsca_number = @ApscaNumber, level = @Level, status = @Status, revision = @Revision, updated_at = @UpdatedAt
        WHERE id = @Id AND revision = @Revision - 1
        """;

    public const string DeleteAccreditations = """
        DELETE FROM audits.accreditation WHERE auditor_id = @Id
        """;

    public const string InsertAccreditation = """
        INSERT INTO audits.accreditation (auditor_id, position, scheme, countries, hs_chapters, valid_from, valid_to)
        VALUES (@AuditorId, @Position, @Scheme, @Countries, @HsChapters, @ValidFrom, @ValidTo)
        """;

    public const string Auditor = """
        SELECT id AS Id, name AS Name, firm AS Firm, apsca_number AS ApscaNumber, level AS Level, status AS Status, revision AS Revision,
               registered_at AS RegisteredAt, updated_at AS UpdatedAt
        FROM audits.auditor WHERE id = @Id
        """;

    public const string Accreditations = """
        SELECT scheme AS Scheme, countries AS Countries, hs_chapters AS HsChapters, valid_from AS ValidFrom, valid_to AS ValidTo
        FROM audits.accreditation WHERE auditor_id = @Id ORDER BY position
        """;

    public const string Page = """
        SELECT id AS Id, name AS Name, firm AS Firm, apsca_number AS ApscaNumber, level AS Level, status AS Status, revision AS Revision,
               registered_at AS RegisteredAt, updated_at AS UpdatedAt
        FROM audits.auditor
        WHERE (@Status IS NULL OR status = @Status)
        ORDER BY id
        OFFSET @Offset ROWS FETCH NEXT @PageSize ROWS ONLY
        """;

    public const string Count = """
        SELECT COUNT(*) FROM audits.auditor WHERE (@Status IS NULL OR status = @Status)
        """;
}
