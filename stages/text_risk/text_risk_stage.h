#pragma once
// text_risk: scores each post's text for threats, grooming, sexual content aimed at minors,
// sextortion, harassment, self-harm and fraud, with the post's context, and leaves the scores and
// quoted reasons in Signals::text_risk for the decide stage. Media records pass through. Lexicons
// and URL lists reload on change or SIGHUP without a restart. See README.md for the config.

#include "pipeline/core/stage.h"
#include "stages/text_risk/learned_tier.h"
#include "stages/text_risk/text_risk_analyzer.h"

namespace modstream {

TextRiskContext textRiskContextOf(const PostContext& context);

// One post's signal: lexicons and URL lists, then, with a learned tier, its findings fused in.
// `ahead`: what the learned tier computed for this text while looking ahead (may be null).
TextRiskSignal scoreText(TextRiskAnalyzer& analyzer,
                         const std::shared_ptr<const TextRiskRules>& rules, LearnedTier* learned,
                         std::string_view text, const TextRiskContext& context,
                         LearnedTier::Mode mode = LearnedTier::Mode::kCascade,
                         LearnedTier::Ahead* ahead = nullptr);

StageFactoryBuilder textRiskStageBuilder();
// The signals it needs and provides (the registry checks the chain's order with them).
SignalFlow textRiskSignalFlow();

}  // namespace modstream
