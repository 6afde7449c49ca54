using MassTransit;
using Traceability.Contracts.Risk;
using Traceability.Data;
using Traceability.Data.Messaging;

namespace Traceability.Provenance.Features.ExporterFlags;

/// <summary>
/// Keeps Provenance's copy of Risk's flags, once per message: <see cref="FlagRaised"/> and <see cref="FlagStatusChanged"/>
/// both carry a flag's whole state, so either one creates the row and the highest version wins, whatever the order.
/// </summary>
public sealed class FlagRaisedConsumer(Inbox inbox, Database database) : IConsumer<FlagRaised>, IConsumer<FlagsRaised>
{
    private const string InboxName = "provenance.keep-flag-raised";

    private readonly string _insert = ExporterFlagsSql.InsertFlag(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<FlagRaised> context) =>
        KeepOnceAsync(context.Message, context.MessageId ?? throw new InvalidOperationException("A message without a MessageId cannot be deduplicated."),
            context.ReceiveContext.Redelivered, context.CancellationToken);

    /// <summary>Flags Risk's relay sent together: each kept once by its own event id (its single message's id), in shared transactions.</summary>
    public Task Consume(ConsumeContext<FlagsRaised> context) =>
        Task.WhenAll(context.Message.Flags.Select(f => KeepOnceAsync(f, f.EventId, context.ReceiveContext.Redelivered, context.CancellationToken)));

    private Task KeepOnceAsync(FlagRaised f, Guid messageId, bool redelivered, CancellationToken cancellationToken) =>
        inbox.ConsumeOnceAsync(messageId, InboxName, redelivered, data =>
        {
            ExporterFlagRows.Keep(data, _insert, new ExporterFlagRow(f.FlagId, f.TenantId, f.RuleId, f.RuleVersion, f.Severity, f.SubjectType, f.SubjectId,
                f.ScopeCountry, f.ScopeHsChapter, f.ScopeScheme, f.Explanation, f.GrievanceCount, f.Status, null, f.Version, f.OccurredAt, f.OccurredAt));
            return Task.CompletedTask;
        }, cancellationToken);
}

/// <summary>The same for a flag that moved on.</summary>
public sealed class FlagStatusChangedConsumer(Inbox inbox, Database database) : IConsumer<FlagStatusChanged>
{
    private readonly string _insert = ExporterFlagsSql.InsertFlag(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<FlagStatusChanged> context)
    {
        var f = context.Message;
        return inbox.ConsumeOnceAsync(context, "provenance.keep-flag-status", data =>
        {
            ExporterFlagRows.Keep(data, _insert, new ExporterFlagRow(f.FlagId, f.TenantId, f.RuleId, f.RuleVersion, f.Severity, f.SubjectType, f.SubjectId,
                f.ScopeCountry, f.ScopeHsChapter, f.ScopeScheme, f.Explanation, f.GrievanceCount, f.Status, f.Resolution, f.Version,
                f.RaisedAt == default ? f.OccurredAt : f.RaisedAt, f.OccurredAt));
            return Task.CompletedTask;
        });
    }
}

internal sealed record ExporterFlagRow(Guid FlagId, string TenantId, string RuleId, int RuleVersion, string Severity, string SubjectType, string SubjectId,
    string ScopeCountry, string? ScopeHsChapter, string? ScopeScheme, string Explanation, int GrievanceCount, string Status, string? Resolution,
    int Version, DateTime RaisedAt, DateTime UpdatedAt)
{
    public Guid? ShipmentId => SubjectType == "shipment" && Guid.TryParse(SubjectId, out var id) ? id : null;
    public string? FacilityKey => SubjectType == "facility" ? SubjectId : null;
    public Guid? FacilityId => SubjectType == "facility" && Guid.TryParse(SubjectId, out var id) ? id : null;
}

internal static class ExporterFlagRows
{
    // Both statements always: after the insert, the update finds no older version and changes nothing; when the flag was
    // there, the insert does nothing and the update brings it forward if this version is newer. No held write waits for
    // its count, so the copy and the commit go in one round trip (see DataTransaction.CompleteAsync).
    public static void Keep(DataTransaction data, string insert, ExporterFlagRow row)
    {
        var flattened = Flattened(row);
        data.Defer(insert, flattened);
        data.Defer(ExporterFlagsSql.UpdateFlag, flattened);
    }

    // Held writes bind the row's properties by name; computed ones included.
    private static object Flattened(ExporterFlagRow r) => new
    {
        r.FlagId, r.TenantId, r.RuleId, r.RuleVersion, r.Severity, r.SubjectType, r.SubjectId, r.ShipmentId, r.FacilityKey, r.FacilityId,
        r.ScopeCountry, r.ScopeHsChapter, r.ScopeScheme, r.Explanation, r.GrievanceCount, r.Status, r.Resolution, r.Version, r.RaisedAt, r.UpdatedAt,
    };
}
