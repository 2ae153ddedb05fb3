using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Contacts;

namespace ApiHost.Campaigns;

/// <summary>
/// SAM's campaign messages: <c>send-campaign</c> (one step to one prospect now, with its personalised text) and a
/// prospect's conversation in a campaign. Served at SAM's <c>/api/messages</c> and at <c>/v1/messages</c> (and
/// <c>/api/v1/messages</c>); a prospect is the contact enrolled in the campaign (<c>con_</c>).
/// </summary>
public static class SamMessageEndpoints
{
    private const int DefaultLimit = 50;
    private const int MaxLimit = 200;

    public static void MapSamMessageEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi("messages", group => Map(group, described: true));
        Map(app.MapGroup("/api/messages").WithTags("messages").ExcludeFromDescription(), described: false);
    }

    private static void Map(RouteGroupBuilder group, bool described)
    {
        var send = group.MapPost("send-campaign", SendCampaign).RequireScope(CampaignEndpoints.Write).WithIdempotency();
        var conversation = group.MapGet("conversation/{prospect_id}", Conversation).RequireScope(CampaignEndpoints.Read);
        if (described)
        {
            send.Operation<SamSendCampaignBody, SamSentMessage>("sendSamCampaignMessage", "Send a campaign message to a prospect now",
                description: "`message_type` names the campaign's template step; it must be the prospect's next step, which is then recorded " +
                    "as sent with `personalized_message` and the following step timed from it. Outside the send window, within the caps.");
            conversation.Operation<SamConversation>("getSamConversation", "A prospect's messages in a campaign (`campaign_id` required, `limit`)",
                description: "Outbound: each step sent, with its text (an email's is at `GET /v1/emails/{id}`). Inbound: the reply, without its text.");
        }
    }

    private static async Task<IResult> SendCampaign(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var campaign = fields.String("campaign_id", required: true, maxLength: 64);
        var prospect = fields.String("prospect_id", required: true, maxLength: 64);
        var type = fields.Enum("message_type", SamCampaigns.MessageTypes, required: true);
        var message = fields.String("personalized_message", required: true, maxLength: CampaignContract.MessageMaxLength);
        fields.ThrowIfInvalid();
        var sent = await CampaignEndpoints.Campaign(http, grains, campaign)
            .SendStep(ResourceRequests.RequireId(prospect, ContactKeys.IdPrefix, "Prospect"), SamCampaigns.StepName(type!), message!);
        return ApiResults.Ok(new SamSentMessage(sent.Reference, sent.At, sent.Outcome, SamCampaigns.MessageType(sent.Name ?? sent.Type)));
    }

    private static async Task<IResult> Conversation(HttpContext http, IGrainFactory grains, string prospect_id)
    {
        var query = new ListRequest.QueryReader(http.Request.Query);
        var campaign = query.Text("campaign_id", 64);
        if (campaign is null)
        {
            query.Fail("campaign_id", "required", "campaign_id is required");
        }
        var limit = query.Integer("limit", 1, MaxLimit) ?? DefaultLimit;
        query.ThrowIfInvalid();
        var c = await CampaignEndpoints.Campaign(http, grains, campaign)
            .Conversation(ResourceRequests.RequireId(prospect_id, ContactKeys.IdPrefix, "Prospect"), limit);
        return ApiResults.Ok(new SamConversation(c.Id, new SamConversationProspect(c.ContactId, c.Name, c.Email, c.LinkedinUrl),
            [.. c.Messages.Select(m => new SamConversationMessage(m.Id, m.Role, m.Content, SamCampaigns.MessageType(m.Type),
                m.Role == "outbound" ? m.At : null, m.Role == "inbound" ? m.At : null, m.Status))]));
    }
}
