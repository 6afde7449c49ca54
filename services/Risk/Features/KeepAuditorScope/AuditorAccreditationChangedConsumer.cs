using MassTransit;
using Traceability.Contracts.Audits;
using Traceability.Data;
using Traceability.Data.Messaging;

namespace Traceability.Risk.Features.KeepAuditorScope;

/// <summary>
/// Keeps each auditor's accreditations as Audits last described them (whole state, newest revision wins),
/// one row per scheme × country (× HS chapter): the scope every auditor's flag list and flag reads go through.
/// </summary>
public sealed class AuditorAccreditationChangedConsumer(Inbox inbox, Database database) : IConsumer<AuditorAccreditationChanged>
{
    private readonly string _insert = KeepAuditorScopeSql.InsertAuditor(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<AuditorAccreditationChanged> context)
    {
        var auditor = context.Message;
        var row = new { auditor.AuditorId, auditor.Revision, auditor.Name, auditor.Level, auditor.Status, UpdatedAt = auditor.OccurredAt };
        var scope = auditor.Accreditations
            .SelectMany(a => a.Countries.SelectMany(country => (a.HsChapters.Count == 0 ? [null] : a.HsChapters.Select(c => (string?)c))
                .Select(chapter => new { auditor.AuditorId, a.Scheme, Country = country, HsChapter = chapter, a.ValidFrom, a.ValidTo })))
            .Distinct()
            .ToList();
        return inbox.ConsumeOnceAsync(context, "risk.keep-auditor-scope", data =>
        {
            void ReplaceScope()
            {
                data.Defer(KeepAuditorScopeSql.DeleteScope, new { auditor.AuditorId });
                foreach (var entry in scope)
                {
                    data.Defer(KeepAuditorScopeSql.InsertScope, entry);
                }
            }
            data.Defer(_insert, row, inserted =>
            {
                if (inserted == 1)
                {
                    ReplaceScope();
                    return;
                }
                data.Defer(KeepAuditorScopeSql.UpdateAuditor, row, updated =>
                {
                    if (updated == 1)
                    {
                        ReplaceScope();
                    }
                });
            });
            return Task.CompletedTask;
        });
    }
}
