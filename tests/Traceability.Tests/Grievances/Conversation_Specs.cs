using Traceability.Grievances.Features.Converse;
using Traceability.Grievances.Features.KeepFacilities;
using Traceability.Grievances.Privacy;

namespace Traceability.Tests.Grievances;

/// <summary>The conversation as a state machine, without a database.</summary>
public class When_a_worker_talks_to_the_line
{
    private static readonly ConversationTexts Texts = ConversationTexts.LoadShipped();
    private readonly Conversation _conversation = new(Texts);
    private static readonly Workplace Sunrise = new([Guid.Parse("0195f000-0000-7000-8000-000000000001")], "Sunrise Garments", "BD", "acme");

    private Task<Step> Say(SenderConversation now, string text) =>
        _conversation.NextAsync(now, text, t => Task.FromResult(PosterCodes.Parse(t) == "K7M2QX" ? Sunrise : null),
            r => Task.FromResult<CaseStatus?>(r == "GR-ABCDEF" ? new CaseStatus(r, "acknowledged") : null));

    [Test]
    public async Task Should_walk_from_language_to_a_filed_grievance()
    {
        var state = new SenderConversation(null, ConversationState.Idle, new Draft(), false);
        var step = await Say(state, "?");
        Assert.That(step.Replies[0], Is.EqualTo(Texts.LanguageMenu));
        step = await Say(step.After, "2");
        Assert.That(step.After.Language, Is.EqualTo("es"));
        step = await Say(step.After, "XYZ");
        Assert.That(step.Replies[0], Is.EqualTo(Texts.Languages["es"].Texts["workplaceUnknown"]));
        step = await Say(step.After, "k7m-2qx");
        Assert.That(step.After.Draft.FacilityIds, Is.EqualTo(Sunrise.FacilityIds));
        step = await Say(step.After, "10");
        Assert.That(step.Replies[0], Is.EqualTo(Texts.Languages["es"].Texts["categoryInvalid"]));
        step = await Say(step.After, "5");
        step = await Say(step.After, "  Nos obligan a trabajar 16 horas.  ");
        Assert.That(step.After.Draft.Details, Is.EqualTo("Nos obligan a trabajar 16 horas."));
        step = await Say(step.After, "no");
        Assert.That(step.File, Is.Not.Null);
        Assert.That(step.File!.Category, Is.EqualTo("forced-overtime"));
        Assert.That(step.ContactAllowed, Is.False);
        Assert.That(step.After.State, Is.EqualTo(ConversationState.Idle));
    }

    [Test]
    public async Task Should_keep_a_poster_code_sent_first_and_skip_the_workplace_question()
    {
        var step = await Say(new SenderConversation(null, ConversationState.Idle, new Draft(), false), "K7M2QX");
        Assert.That(step.Replies[0], Is.EqualTo(Texts.LanguageMenu));
        step = await Say(step.After, "7");
        Assert.That(step.After.State, Is.EqualTo(ConversationState.Category));
        Assert.That(step.After.Draft.FacilityName, Is.EqualTo("Sunrise Garments"));
        Assert.That(step.Replies[0], Is.EqualTo(Texts.Languages["id"].Texts["askCategory"]));
    }

    [Test]
    public async Task Should_stop_and_start_and_answer_keywords_in_any_state()
    {
        var state = new SenderConversation("fr", ConversationState.Category, new Draft(), false);
        var step = await Say(state, "ARRET");
        Assert.That(step.After.OptedOut, Is.True);
        Assert.That(step.Replies[0], Is.EqualTo(Texts.Languages["fr"].Texts["stopped"]));
        var silent = await Say(step.After, "3");
        Assert.That(silent.Replies, Is.Empty);
        Assert.That(silent.After.State, Is.EqualTo(ConversationState.Category), "the conversation waits while opted out");
        step = await Say(silent.After, "start");
        Assert.That(step.After.OptedOut, Is.False);
        step = await Say(step.After, "STATUT gr-abcdef");
        Assert.That(step.Replies[0], Does.Contain("GR-ABCDEF").And.Contain(Texts.Languages["fr"].Texts["status.acknowledged"]));
        step = await Say(step.After, "status GR-ZZZZZZ");
        Assert.That(step.Replies[0], Is.EqualTo(Texts.Languages["fr"].Format("statusUnknown", ("reference", "GR-ZZZZZZ"))));
    }

    [Test]
    public void Should_make_references_without_look_alike_characters()
    {
        for (var i = 0; i < 2000; i++)
        {
            var reference = CaseReference.New();
            Assert.That(reference, Does.Match("^GR-[2-9A-HJ-NP-Z]{6}$"));
            Assert.That(CaseReference.Parse(reference.ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal)), Is.EqualTo(reference));
        }
        Assert.That(CaseReference.Parse("GR-0O1I23"), Is.Null);
        Assert.That(PosterCodes.For(Guid.NewGuid()), Does.Match("^[2-9A-HJ-NP-Z]{6}$"));
    }

    [Test]
    public void Should_encrypt_with_the_current_key_and_read_what_retired_keys_wrote()
    {
        var keys = new Dictionary<string, string>
        {
            ["k1"] = Convert.ToBase64String(new byte[32]),
            ["k2"] = Convert.ToBase64String(Enumerable.Range(1, 32).Select(b => (byte)b).ToArray()),
        };
        var pseudonymKey = Convert.ToBase64String(Enumerable.Repeat((byte)7, 32).ToArray());
        var old = new PrivacyVault(new PrivacyOptions { CurrentKeyId = "k1", Keys = new(keys), PseudonymKey = pseudonymKey });
        var rotated = new PrivacyVault(new PrivacyOptions { CurrentKeyId = "k2", Keys = new(keys), PseudonymKey = pseudonymKey });
        var written = old.Encrypt("+8801712345678");
        Assert.That(written, Does.StartWith("k1:").And.Not.Contain("8801712345678"));
        Assert.That(rotated.Decrypt(written), Is.EqualTo("+8801712345678"));
        Assert.That(rotated.Encrypt("x"), Does.StartWith("k2:"));
        var once = old.Encrypt("same");
        Assert.That(old.Encrypt("same"), Is.Not.EqualTo(once), "a fresh nonce every time");
        Assert.That(rotated.Pseudonym("+8801712345678"), Is.EqualTo(old.Pseudonym("+8801712345678")).And.Match("^p_[0-9a-f]{32}$"));
        var forged = "k2:" + written[3..];
        Assert.That(() => rotated.Decrypt(forged), Throws.InstanceOf<System.Security.Cryptography.AuthenticationTagMismatchException>());
    }

    [TestCase("+8801712345678")]
    [TestCase("8801712345678")]
    [TestCase("01712345678")]
    [TestCase("+880 1712-345678")]
    public void Should_read_every_form_of_a_number_as_one_sender(string form) =>
        Assert.That(PhoneNumberForm.Normalise(form, "BD")?.E164, Is.EqualTo("+8801712345678"));
}
