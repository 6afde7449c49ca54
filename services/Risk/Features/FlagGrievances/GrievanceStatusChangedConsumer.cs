using MassTransit;
using Traceability.Contracts.Grievances;
using Traceability.Data.Messaging;

namespace Traceability.Risk.Features.FlagGrievances;

internal static class GrievanceOutcomeSql
{
    public const string RecordOutcome = "UPDATE risk.grievance_signal SET outcome = @Outcome WHERE case_id = @CaseId";
}

/// <summary>
/// Keeps the outcome of each grievance Risk counted: a case a caseworker closed as not substantiated no longer
/// counts towards <c>grievance-forced-labour</c>'s repeat threshold (flags already raised stay for auditors to resolve).
/// </summary>
public sealed class GrievanceStatusChangedConsumer(Inbox inbox) : IConsumer<GrievanceStatusChanged>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<GrievanceStatusChanged> context)
    {
        var change = context.Message;
        return inbox.ConsumeOnceAsync(context, "risk.grievance-outcomes", data =>
        {
            if (change.Status == "closed")
            {
                data.Defer(GrievanceOutcomeSql.RecordOutcome, new { change.CaseId, change.Outcome });
            }
            return Task.CompletedTask;
        });
    }
}
