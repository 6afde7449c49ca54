using Traceability.Audits.Standards;
using Traceability.Hosting;

namespace Traceability.Audits.Features.FindingCodeList;

/// <summary>The code list as clients read it.</summary>
public sealed record FindingCodeList(IReadOnlyList<IloIndicator> IloIndicators, IReadOnlyList<FindingCode> Codes, IReadOnlyList<Scheme> Schemes);

internal static class FindingCodesEndpoint
{
    public static RouteGroupBuilder MapFindingCodes(this RouteGroupBuilder api)
    {
        api.MapGet("/finding-codes", (FindingCodes codes) => TypedResults.Ok(new FindingCodeList(codes.IloIndicators, codes.All, Schemes.All)))
            .RequireRoles(Roles.Auditor, Roles.Certifier, Roles.Admin, Roles.Caseworker).WithTags("Finding codes").WithName("ListFindingCodes")
            .WithSummary("The canonical finding codes, their ILO indicators and scheme items, and the schemes.");
        return api;
    }
}
