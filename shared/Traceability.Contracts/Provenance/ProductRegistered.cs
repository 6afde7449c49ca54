namespace Traceability.Contracts.Provenance;

/// <summary>An exporter registered a product.</summary>
public sealed record ProductRegistered : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The product's id in Provenance.</summary>
    public required Guid ProductId { get; init; }

    /// <summary>GTIN padded to 14 digits.</summary>
    public required string Gtin { get; init; }

    /// <summary>Harmonized System code, 6 to 10 digits.</summary>
    public required string HsCode { get; init; }

    /// <summary>Commodity name (e.g. "Cocoa").</summary>
    public required string Commodity { get; init; }

    /// <summary>The product's name, when given.</summary>
    public string? Name { get; init; }
}
