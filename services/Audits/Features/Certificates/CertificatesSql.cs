namespace Traceability.Audits.Features.Certificates;

internal static class CertificatesSql
{
    public const string InsertCertificate = """
        INSERT INTO audits.certificate (id, scheme, number, facility_id, scope_hs_codes, valid_from, valid_to, status, reason, sequence, issued_at, updated_at)
        VALUES (@Id, @Scheme, @Number, @FacilityId, @ScopeHsCodes, @ValidFrom, @ValidTo, @Status, @Reason, @Sequence, @IssuedAt, @UpdatedAt)
        """;

    // Conditional on the history's length read: of two concurrent changes, the second writes nothing.
    public const string ChangeStatus = """
        UPDATE audits.certificate SET status = @Status, reason = @Reason, sequence = @Sequence, updated_at = @UpdatedAt
        WHERE id = @Id AND sequence = @Sequence - 1
        """;

    public const string InsertHistory = """
        INSERT INTO audits.certificate_history (certificate_id, sequence, status, previous_status, reason, effective_from, changed_at, changed_by)
        VALUES (@CertificateId, @Sequence, @Status, @PreviousStatus, @Reason, @EffectiveFrom, @ChangedAt, @ChangedBy)
        """;

    public const string ByNumber = $"""
        SELECT {CertificateColumns.All}
        FROM audits.certificate c JOIN audits.facility f ON f.id = c.facility_id
        WHERE c.scheme = @Scheme AND c.number = @Number
        """;

    // Valid or suspended certificates whose last day is before today, oldest first, a batch at a time.
    public const string Expiring = $"""
        SELECT {CertificateColumns.All}
        FROM audits.certificate c JOIN audits.facility f ON f.id = c.facility_id
        WHERE c.status IN ('valid', 'suspended') AND c.valid_to < @Today
        ORDER BY c.valid_to, c.id
        OFFSET 0 ROWS FETCH NEXT @BatchSize ROWS ONLY
        """;

    // The certificates a facility holds, latest validity first (ix_certificate_facility).
    public const string AtFacility = $"""
        SELECT {CertificateColumns.All}
        FROM audits.certificate c JOIN audits.facility f ON f.id = c.facility_id
        WHERE c.facility_id = @FacilityId
        ORDER BY c.valid_to DESC, c.scheme, c.number
        """;

    public const string History = """
        SELECT sequence AS Sequence, status AS Status, previous_status AS PreviousStatus, reason AS Reason, effective_from AS EffectiveFrom,
               changed_at AS ChangedAt, changed_by AS ChangedBy
        FROM audits.certificate_history WHERE certificate_id = @Id ORDER BY sequence
        """;
}

/// <summary>The columns a certificate is read with (a piece of statements, so outside the *Sql classes the T-SQL test parses).</summary>
internal static class CertificateColumns
{
    public const string All = """
        c.id AS Id, c.scheme AS Scheme, c.number AS Number, c.facility_id AS FacilityId, f.gln AS Gln, f.osh_id AS OshId, f.name AS HolderName,
        f.country AS Country, c.scope_hs_codes AS ScopeHsCodes, c.valid_from AS ValidFrom, c.valid_to AS ValidTo, c.status AS Status, c.reason AS Reason,
        c.sequence AS Sequence, c.issued_at AS IssuedAt, c.updated_at AS UpdatedAt
        """;
}
