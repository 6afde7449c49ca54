using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data.Messaging;

namespace Traceability.Audits.Features.KeepFacilities;

/// <summary>
/// Keeps Audits' copy of the sites exporters register, once per message. Several exporters registering the
/// same mill (same GLN or Open Supply Hub id) make one facility here; its first name and country stay.
/// </summary>
public sealed class FacilityRegisteredConsumer(Inbox inbox, FacilityDirectory facilities) : IConsumer<FacilityRegistered>
{
    /// <summary>The consumer's name in the inbox.</summary>
    public const string InboxName = "audits.keep-facility";

    /// <inheritdoc />
    public Task Consume(ConsumeContext<FacilityRegistered> context)
    {
        var f = context.Message;
        return inbox.ConsumeOnceAsync(context, InboxName, async data =>
        {
            // When its GLN and its Open Supply Hub id name two facilities known apart, both stay as they are.
            await facilities.ResolveAsync(data, f.Gln, f.OshId, f.Name, f.Country, "provenance", f.OccurredAt);
        });
    }
}
