using Traceability.Provenance.Chain;
using Traceability.Provenance.Exporters;

namespace Traceability.Provenance.Features.VerifyChain;

internal static class VerifyChainEndpoint
{
    public static RouteGroupBuilder MapVerifyChain(this RouteGroupBuilder api)
    {
        api.MapGet("/chain/verify", async (HttpContext http, HashChain chain, CancellationToken ct) =>
                TypedResults.Ok(await chain.VerifyAsync(Exporter.From(http).Id, ct)))
            .WithName("VerifyChain")
            .WithSummary("Walks the exporter's hash chain and re-hashes every record: ok, or the first broken link.");
        return api;
    }
}
