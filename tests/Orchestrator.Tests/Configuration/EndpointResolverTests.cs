using Orchestrator.Hosting.Configuration;
using Xunit;

namespace Orchestrator.Tests.Configuration;

public class EndpointResolverTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8787/v1", "ws://127.0.0.1:8787/v1/responses")]
    [InlineData("http://127.0.0.1:8787/v1/", "ws://127.0.0.1:8787/v1/responses")]
    [InlineData("http://127.0.0.1:8787/v1///", "ws://127.0.0.1:8787/v1/responses")]
    [InlineData("http://localhost:8787", "ws://localhost:8787/responses")]
    [InlineData("https://api.openai.com/v1", "wss://api.openai.com/v1/responses")]
    [InlineData("https://proxy.example.com:8443/openai/v1/", "wss://proxy.example.com:8443/openai/v1/responses")]
    [InlineData("  https://api.openai.com/v1  ", "wss://api.openai.com/v1/responses")]
    [InlineData("HTTPS://API.OPENAI.COM/v1", "wss://api.openai.com/v1/responses")]
    public void Base_url_becomes_the_websocket_responses_url(string baseUrl, string expected)
    {
        Assert.Equal(new Uri(expected), EndpointResolver.ToResponsesUrl(baseUrl, "OPENAI_BASE_URL"));
    }

    [Theory]
    [InlineData("ws://127.0.0.1:8787/v1/responses", "ws://127.0.0.1:8787/v1/responses")]
    [InlineData("ws://127.0.0.1:8787/v1/responses/", "ws://127.0.0.1:8787/v1/responses")]
    [InlineData("wss://api.openai.com/v1/responses", "wss://api.openai.com/v1/responses")]
    [InlineData("ws://127.0.0.1:8787/v1", "ws://127.0.0.1:8787/v1/responses")]
    public void Websocket_url_is_kept_and_completed_only_when_it_lacks_responses(string url, string expected)
    {
        Assert.Equal(new Uri(expected), EndpointResolver.ToResponsesUrl(url, "--endpoint"));
    }

    [Fact]
    public void Default_ports_are_not_written_out()
    {
        Assert.Equal("wss://api.openai.com/v1/responses", EndpointResolver.ToResponsesUrl("https://api.openai.com:443/v1", "x").AbsoluteUri);
        Assert.Equal("ws://example.com/v1/responses", EndpointResolver.ToResponsesUrl("http://example.com:80/v1", "x").AbsoluteUri);
    }

    [Theory]
    [InlineData("ftp://example.com/v1", "scheme 'ftp'")]
    [InlineData("file:///tmp/v1", "scheme 'file'")]
    public void Unsupported_scheme_is_a_configuration_error_naming_source_and_scheme(string url, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => EndpointResolver.ToResponsesUrl(url, "OPENAI_BASE_URL"));

        Assert.Contains("OPENAI_BASE_URL", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Contains("http, https, ws or wss", e.Message);
    }

    [Theory]
    [InlineData("v1/responses")]
    [InlineData("/v1/responses")]
    [InlineData("127.0.0.1:8787/v1")]
    [InlineData("not a url")]
    public void Relative_url_is_a_configuration_error_saying_it_is_not_absolute(string url)
    {
        var e = Assert.Throws<ConfigurationException>(() => EndpointResolver.ToResponsesUrl(url, "--endpoint"));

        Assert.Contains("--endpoint", e.Message);
        Assert.Contains("not an absolute URL", e.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void No_key_and_no_endpoint_means_the_embedded_emulator(string? key)
    {
        Assert.Null(EndpointResolver.Resolve(null, "https://proxy.example.com/v1", key));
        Assert.Null(EndpointResolver.Resolve("   ", null, key));
    }

    [Fact]
    public void Key_without_base_url_targets_openai()
    {
        Assert.Equal(new Uri("wss://api.openai.com/v1/responses"), EndpointResolver.Resolve(null, null, "sk-test"));
        Assert.Equal(new Uri("wss://api.openai.com/v1/responses"), EndpointResolver.Resolve(null, " ", "sk-test"));
    }

    [Fact]
    public void Key_with_base_url_targets_the_base_url()
    {
        Assert.Equal(new Uri("ws://127.0.0.1:9000/v1/responses"), EndpointResolver.Resolve(null, "http://127.0.0.1:9000/v1", "sk-test"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("sk-test")]
    public void Explicit_endpoint_wins_over_key_and_base_url(string? key)
    {
        Assert.Equal(new Uri("ws://10.0.0.1:1234/responses"), EndpointResolver.Resolve("http://10.0.0.1:1234", "https://other.example.com/v1", key));
    }

    [Fact]
    public void Bad_base_url_error_names_the_environment_variable()
    {
        var e = Assert.Throws<ConfigurationException>(() => EndpointResolver.Resolve(null, "gopher://x", "sk-test"));

        Assert.Contains("OPENAI_BASE_URL", e.Message);
    }
}
