using System.Text.Json;
using Traceability.Hosting;
using Traceability.Identity.Accounts;

namespace Traceability.Identity.Features.ManageUsers;

/// <summary>
/// The admin's command line, run against the service's own database:
/// <code>
/// dotnet Traceability.Identity.dll users create &lt;email&gt; --role auditor [--role ...] [--auditor-id X] [--if-missing]
/// dotnet Traceability.Identity.dll users list
/// dotnet Traceability.Identity.dll users disable &lt;email or id&gt;
/// dotnet Traceability.Identity.dll users reset-password &lt;email or id&gt;
/// </code>
/// Links point at <c>Identity:Issuer</c> (up.sh sets it), else at the service's first URL.
/// </summary>
internal static class UserCommandLine
{
    // Links are printed as they are (an '&' not written as \u0026): a person copies them from the terminal.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private const string Usage = "usage: users create <email> --role <role> [--role <role>] [--auditor-id <id>] [--if-missing] | list | disable <email|id> | reset-password <email|id>";

    public static bool Handles(string[] args) => args.Length > 0 && args[0] == "users";

    public static async Task<int> RunAsync(WebApplication app, string[] args)
    {
        await app.MigrateAsync(typeof(UserCommandLine).Assembly);
        await using var scope = app.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<UserAccounts>();
        var baseUri = accounts.BaseUri(new Uri((app.Configuration["Urls"] ?? "http://127.0.0.1:5105").Split(';')[0].TrimEnd('/') + "/"));
        var ct = CancellationToken.None;
        object? result = args.Skip(1).ToArray() switch
        {
            ["create", var email, .. var rest] => await CreateAsync(accounts, email, rest, baseUri, ct),
            ["list"] => await accounts.ListAsync(ct),
            ["disable", var who] => (object?)await accounts.DisableAsync(who) ?? Fail($"No account '{who}'."),
            ["reset-password", var who] => (object?)await accounts.ResetPasswordAsync(who, baseUri, ct) ?? Fail($"No account '{who}'."),
            _ => Fail(Usage),
        };
        if (result is Failure failure)
        {
            await Console.Error.WriteLineAsync(failure.Message);
            return failure.ExitCode;
        }
        Console.WriteLine(JsonSerializer.Serialize(result, Json));
        return 0;
    }

    private static async Task<object> CreateAsync(UserAccounts accounts, string email, string[] rest, Uri baseUri, CancellationToken ct)
    {
        var roles = new List<string>();
        string? auditorId = null;
        var ifMissing = false;
        for (var i = 0; i < rest.Length; i++)
        {
            switch (rest[i])
            {
                case "--role" when i + 1 < rest.Length:
                    roles.Add(rest[++i]);
                    break;
                case "--auditor-id" when i + 1 < rest.Length:
                    auditorId = rest[++i];
                    break;
                case "--if-missing":
                    ifMissing = true;
                    break;
                default:
                    return Fail(Usage);
            }
        }
        var request = new CreateUserRequest(email, roles, auditorId);
        if (!UserAccounts.TryValidate(request, out var errors))
        {
            return Fail(string.Join("; ", errors.ToDictionary().Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        }
        if (await accounts.CreateAsync(request, baseUri, ct) is { } created)
        {
            return created;
        }
        // --if-missing (up.sh's bootstrap admin): an existing account is success, and says so with exit code 3.
        return ifMissing ? new Failure($"An account with email '{email}' exists already.", 3) : Fail($"An account with email '{email}' exists.");
    }

    private static Failure Fail(string message) => new(message, 1);

    private sealed record Failure(string Message, int ExitCode);
}
