namespace Traceability.Contracts;

/// <summary>
/// What every message on the bus carries: its own id, the tenant (exporter) it concerns and
/// when the fact happened. Messages change only by adding fields; a breaking change is a new type.
/// </summary>
public interface IMessage
{
    /// <summary>Identity of the fact; the outbox uses it as the transport message id.</summary>
    Guid EventId { get; }

    /// <summary>The exporter (tenant) the fact belongs to.</summary>
    string TenantId { get; }

    /// <summary>When the fact happened, in UTC.</summary>
    DateTime OccurredAt { get; }
}
