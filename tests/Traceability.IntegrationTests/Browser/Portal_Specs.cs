using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Traceability.IntegrationTests;

[TestFixture]
[Category("Browser")]
public class When_people_use_the_portal
{
    private TestDatabase _database = null!;
    private TestVirtualHost _virtualHost = null!;
    private ServiceProcess _portal = null!;
    private BrowserSession _browser = null!;

    [OneTimeSetUp]
    public async Task StartPlatformAsync()
    {
        _database = await Infrastructure.CreateDatabaseAsync();
        _virtualHost = await Infrastructure.CreateVirtualHostAsync();
        var portal = ServiceProcess.Create("Portal", _database, _virtualHost);
        var browser = BrowserSession.LaunchAsync();
        await portal.StartAsync();
        _portal = portal;
        _browser = await browser;
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _browser.DisposeAsync();
        await _portal.DisposeAsync();
        await _database.DisposeAsync();
        await _virtualHost.DisposeAsync();
    }

    [Test]
    public async Task Should_refuse_a_page_to_someone_without_the_role()
    {
        await using var person = await _browser.NewPersonAsync();
        var page = await person.NewPageAsync();
        var response = await page.GotoAsync(new Uri(_portal.BaseAddress, "forbidden").ToString());
        Assert.That(response!.Status, Is.EqualTo((int)HttpStatusCode.Forbidden));
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Not allowed" })).ToBeVisibleAsync();
        await _browser.AssertAccessibleAsync(page, "the not-allowed page");
        await BrowserSession.ScreenshotAsync(page, "forbidden");
    }
}
