using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Hosting;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Admin;

/// <summary>Identity's users (admins only): the list, and a new account with its one-time set-password link.</summary>
public sealed class UsersModel(IdentityApi identity) : PageModel
{
    public ApiAnswer<List<PlatformUser>>? Users { get; private set; }
    public CreatedPlatformUser? Created { get; private set; }
    public ApiProblem? Refusal { get; private set; }

    [BindProperty] public string? Email { get; set; }
    [BindProperty] public List<string> NewRoles { get; set; } = [];
    [BindProperty] public string? AuditorId { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Users = await identity.ListUsersAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var answer = await identity.CreateUserAsync(Email, NewRoles.Where(r => Roles.All.Contains(r)).ToList(),
            string.IsNullOrWhiteSpace(AuditorId) ? null : AuditorId.Trim(), cancellationToken);
        Created = answer.Value;
        Refusal = answer.Problem;
        // The answer holds a one-time link: not for any cache.
        Response.Headers.CacheControl = "no-store";
        await OnGetAsync(cancellationToken);
        return Page();
    }
}
