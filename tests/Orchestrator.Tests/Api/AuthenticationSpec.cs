using System.Net;
using System.Net.Http.Json;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>With ORCHESTRATOR_API_TOKEN set, every /v1 request needs it; probes and the OpenAPI document stay open.</summary>
[Collection(ApiCollection.Name)]
public sealed class AuthenticationSpec(ApiFixture api)
{
    private Uri Secured(string path) => new(api.Secured.Address, path);

    [Fact]
    public async Task A_request_without_a_token_is_401_and_says_how_to_authenticate()
    {
        using var response = await api.Http.PostAsJsonAsync(Secured("/v1/conversations"), new { });
        await ApiFixture.AssertProblemAsync(response, 401, "Authorization: Bearer");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("POST", "/v1/conversations")]
    [InlineData("POST", "/v1/conversations/c-any/messages")]
    [InlineData("GET", "/v1/conversations/c-any")]
    [InlineData("GET", "/v1/conversations/c-any/events")]
    [InlineData("POST", "/v1/conversations/c-any/cancel")]
    [InlineData("DELETE", "/v1/conversations/c-any")]
    public async Task Every_route_of_the_api_needs_the_token(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), Secured(path));
        if (method == "POST") request.Content = JsonContent.Create(new { text = "hi" });
        using var response = await api.Http.SendAsync(request);
        await ApiFixture.AssertProblemAsync(response, 401, "Authorization: Bearer");
    }

    [Theory]
    [InlineData("Bearer wrong-token", "wrong")]
    [InlineData("Basic dXNlcjpwYXNz", "Bearer scheme")]
    [InlineData("Bearer test-token-for-the-api-specs-and-more", "wrong")]
    public async Task A_wrong_token_or_scheme_is_401(string authorization, string detail)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Secured("/v1/conversations/c-any"));
        request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await api.Http.SendAsync(request);
        await ApiFixture.AssertProblemAsync(response, 401, detail);
    }

    [Fact]
    public async Task The_right_token_is_let_through()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Secured("/v1/conversations")) { Content = JsonContent.Create(new { }) };
        request.Headers.Authorization = ApiFixture.Bearer(ApiFixture.Token);
        using var response = await api.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/openapi/v1.json")]
    public async Task Probes_and_the_openapi_document_need_no_token(string path)
    {
        using var response = await api.Http.GetAsync(Secured(path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
