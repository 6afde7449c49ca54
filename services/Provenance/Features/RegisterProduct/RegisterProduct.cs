using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Provenance.Chain;
using Traceability.Provenance.Exporters;
using Traceability.Provenance.Features.RegisterFacility;
using Traceability.Provenance.Gs1;
using Traceability.Hosting.Idempotency;

namespace Traceability.Provenance.Features.RegisterProduct;

/// <summary>A product as an exporter registers it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ProductRequest(string? Gtin, string? HsCode, string? Commodity, string? Name)
{
    /// <summary>Checks every field.</summary>
    public bool TryValidate(out ProductRequest product, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        errors.Require(CheckDigit.IsGtin(Gtin), "gtin", "A GTIN has 8, 12, 13 or 14 digits (not all zeros) with a valid GS1 check digit.");
        var hsCode = HsCodes.Normalise(HsCode);
        errors.Require(HsCodes.IsValid(hsCode), "hsCode", HsCodes.Rule);
        var commodity = errors.RequireText("commodity", Commodity, 200, required: true, "The commodity");
        var name = errors.RequireText("name", Name, 200, required: false, "The name");
        product = errors.IsEmpty ? new ProductRequest(CheckDigit.ToGtin14(Gtin!), hsCode, commodity, name) : null!;
        return errors.IsEmpty;
    }
}

/// <summary>A product as the API answers it (and as its chain link hashes it).</summary>
public sealed record ProductResponse(Guid Id, string Gtin, string HsCode, string Commodity, string? Name, DateTime RegisteredAt);

internal static class RegisterProductSql
{
    public const string InsertProduct = """
        INSERT INTO provenance.product (id, exporter_id, gtin, hs_code, commodity, name, registered_at)
        VALUES (@Id, @ExporterId, @Gtin, @HsCode, @Commodity, @Name, @RegisteredAt)
        """;

    public const string ProductOfExporter = """
        SELECT id AS Id, gtin AS Gtin, hs_code AS HsCode, commodity AS Commodity, name AS Name, registered_at AS RegisteredAt
        FROM provenance.product WHERE id = @Id AND exporter_id = @ExporterId
        """;

    public static string ProductsByIds(SqlDialect dialect) => $"""
        SELECT id AS Id, gtin AS Gtin, hs_code AS HsCode, commodity AS Commodity, name AS Name, registered_at AS RegisteredAt
        FROM provenance.product WHERE exporter_id = @ExporterId AND {dialect.IsAnyOf("id", "Ids")}
        """;

    public const string ProductsOfExporter = """
        SELECT id AS Id, gtin AS Gtin, hs_code AS HsCode, commodity AS Commodity, name AS Name, registered_at AS RegisteredAt
        FROM provenance.product WHERE exporter_id = @ExporterId
        ORDER BY registered_at, id
        OFFSET @Offset ROWS FETCH NEXT @PageSize ROWS ONLY
        """;

    public const string CountOfExporter = """
        SELECT COUNT(*) FROM provenance.product WHERE exporter_id = @ExporterId
        """;
}

/// <summary>An exporter's products, registered with their chain link and event in one transaction.</summary>
internal sealed class Products(Database database, HashChain chain, TimeProvider time)
{
    private readonly string _productsByIds = RegisterProductSql.ProductsByIds(database.Dialect);

    public const string RecordType = "product";

    public async Task<ProductResponse> RegisterAsync(HttpContext http, Exporter exporter, ProductRequest product, CancellationToken cancellationToken)
    {
        var response = new ProductResponse(Guid.CreateVersion7(), product.Gtin!, product.HsCode!, product.Commodity!, product.Name,
            Canonical.Microseconds(time.GetUtcNow().UtcDateTime));
        var eventId = Guid.CreateVersion7();
        return await database.InTransactionAsync(async data =>
        {
            // A GTIN the exporter registered already fails the insert on uq_product_exporter_gtin, first or
            // in a race alike: UniqueKeyConflicts answers 409 naming gtin, and nothing of this request stays.
            await data.ExecuteAsync(RegisterProductSql.InsertProduct, new
            {
                response.Id, ExporterId = exporter.Id, response.Gtin, response.HsCode, response.Commodity, response.Name, response.RegisteredAt,
            });
            await chain.AppendAsync(data, exporter.Id, RecordType, response.Id.ToString(), Canonical.Json(response));
            await data.PublishAsync(new ProductRegistered
            {
                EventId = eventId,
                TenantId = exporter.Id,
                OccurredAt = response.RegisteredAt,
                ProductId = response.Id,
                Gtin = response.Gtin,
                HsCode = response.HsCode,
                Commodity = response.Commodity,
                Name = response.Name,
            });
            IdempotentRequest.Save(data, http, StatusCodes.Status201Created, response, $"/api/v1/products/{response.Id}");
            return response;
        }, cancellationToken);
    }

    public async Task<ProductResponse?> FindAsync(string exporterId, Guid id, CancellationToken cancellationToken) =>
        await database.QuerySingleOrDefaultAsync<ProductResponse>(RegisterProductSql.ProductOfExporter, new { Id = id, ExporterId = exporterId }, cancellationToken)
            is { } row ? row with { RegisteredAt = DateTime.SpecifyKind(row.RegisteredAt, DateTimeKind.Utc) } : null;

    /// <summary>Products as their chain links hashed them, by chain record id (hash-chain verification reads a page at once).</summary>
    public async Task<IReadOnlyDictionary<string, string>> CanonicalAsync(string exporterId, IReadOnlyList<string> chainIds, CancellationToken cancellationToken)
    {
        var ids = HashChain.GuidIds(chainIds);
        var rows = await database.QueryAsync<ProductResponse>(_productsByIds, new { ExporterId = exporterId, Ids = ids.Keys.ToArray() }, cancellationToken);
        return rows.ToDictionary(r => ids[r.Id], r => Canonical.Json(r with { RegisteredAt = DateTime.SpecifyKind(r.RegisteredAt, DateTimeKind.Utc) }), StringComparer.Ordinal);
    }
}

internal static class RegisterProductEndpoint
{
    public static RouteGroupBuilder MapProducts(this RouteGroupBuilder api)
    {
        api.MapPost("/products", RegisterAsync).WithIdempotencyKey().WithName("RegisterProduct").WithSummary("Registers a product (GTIN, HS code).")
            .WithRequestExample("""{"gtin":"9506000134352","hsCode":"1801.00","commodity":"Cocoa beans","name":"Fermented cocoa, grade 1"}""");
        api.MapGet("/products/{id:guid}", async Task<Results<Ok<ProductResponse>, NotFound>> (Guid id, HttpContext http, Products products, CancellationToken ct) =>
            await products.FindAsync(Exporter.From(http).Id, id, ct) is { } product ? TypedResults.Ok(product) : TypedResults.NotFound()).WithName("GetProduct");
        api.MapGet("/products", ListAsync).WithName("ListProducts");
        return api;
    }

    private static async Task<Results<Created<ProductResponse>, ValidationProblem>> RegisterAsync(
        ProductRequest? request, HttpContext http, Products products, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return new ValidationErrors().Add("$", "A JSON product is required in the body.").ToProblem();
        }
        if (!request.TryValidate(out var product, out var errors))
        {
            return errors.ToProblem();
        }
        var registered = await products.RegisterAsync(http, Exporter.From(http), product, cancellationToken);
        return TypedResults.Created($"/api/v1/products/{registered.Id}", registered);
    }

    private static async Task<Results<Ok<RecordPage<ProductResponse>>, ValidationProblem>> ListAsync(
        HttpContext http, Database database, CancellationToken cancellationToken, int page = 1, int pageSize = 50)
    {
        var errors = new ValidationErrors();
        errors.RequirePage(page, pageSize);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var filter = new { ExporterId = Exporter.From(http).Id, Offset = (page - 1) * pageSize, PageSize = pageSize };
        var rows = await database.QueryAsync<ProductResponse>(RegisterProductSql.ProductsOfExporter, filter, cancellationToken);
        var total = (await database.QueryAsync<long>(RegisterProductSql.CountOfExporter, filter, cancellationToken))[0];
        return TypedResults.Ok(new RecordPage<ProductResponse>(
            rows.Select(r => r with { RegisteredAt = DateTime.SpecifyKind(r.RegisteredAt, DateTimeKind.Utc) }).ToList(), page, pageSize, total));
    }
}
