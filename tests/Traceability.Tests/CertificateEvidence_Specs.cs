using Traceability.Portal.Pages.Flags;

namespace Traceability.Tests;

/// <summary>A flag's evidence naming a certificate (Risk's <c>certificate:{scheme}:{number}#{sequence}</c>) links to that certificate.</summary>
[TestFixture]
public class When_a_flag_s_evidence_names_a_certificate
{
    [TestCase("sa8000:SA-PORTAL-7#3", "sa8000", "SA-PORTAL-7", 3, "/admin/certificates?scheme=sa8000&number=SA-PORTAL-7")]
    [TestCase("rainforestalliance:RA/2026#12#2", "rainforestalliance", "RA/2026#12", 2, "/admin/certificates?scheme=rainforestalliance&number=RA%2F2026%2312")]
    [TestCase("smeta:ZED 1", "smeta", "ZED 1", null, "/admin/certificates?scheme=smeta&number=ZED%201")]
    public void Should_read_its_scheme_and_number_and_open_it_on_the_certifiers_page(string value, string scheme, string number, int? sequence, string href)
    {
        Assert.That(CertificateEvidence.TryParse(value, out var certificate), Is.True);
        Assert.That(certificate, Is.EqualTo(new CertificateEvidence(scheme, number, sequence)));
        Assert.That(certificate.Href, Is.EqualTo(href));
    }

    [TestCase("no-number")]
    [TestCase(":SA-1#1")]
    [TestCase("sa8000:#4")]
    public void Should_not_link_what_names_no_scheme_and_number(string value) =>
        Assert.That(CertificateEvidence.TryParse(value, out _), Is.False);
}
