using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace Orchestrator.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class HealthAndOpenApiSpec(ApiFixture api)
{
    [Fact]
    public async Task Readyz_reports_ready_when_the_journal_answers_and_the_member_is_up()
    {
        var ready = await api.Http.GetFromJsonAsync<JsonElement>(api.At("/readyz"));
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        var health = await api.Http.GetFromJsonAsync<JsonElement>(api.At("/healthz"));
        Assert.Equal("ok", health.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_every_route()
    {
        var document = await api.Http.GetFromJsonAsync<JsonElement>(api.At("/openapi/v1.json"));
        var paths = document.GetProperty("paths");
        Assert.True(paths.GetProperty("/v1/conversations").TryGetProperty("post", out _));
        Assert.True(paths.GetProperty("/v1/conversations/{id}/messages").TryGetProperty("post", out _));
        var conversation = paths.GetProperty("/v1/conversations/{id}");
        Assert.True(conversation.TryGetProperty("get", out _) && conversation.TryGetProperty("delete", out _));
        Assert.True(paths.GetProperty("/v1/conversations/{id}/events").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/v1/conversations/{id}/cancel").TryGetProperty("post", out _));
        Assert.True(paths.TryGetProperty("/readyz", out _));
    }
}
