// The multi-task base: input layout (padded slots + one-hot), metadata, task selection and refusal,
// and that single-task bases keep their layout and behaviour.
#include "learn/multitask.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/action_codec.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "improve_fixture.h"
#include "sim/domain.h"

namespace ocres::learn {
namespace {

TEST(BcInputLayout, WithExactSlotsAndNoTasksItIsTheSingleTaskLayout) {
  RobotState robot;
  robot.X_BT.p = Vec3(0.4, 0.1, 0.3);
  float r[kRobotDim];
  encode_robot(robot, r);
  std::vector<Pose> objects(2);
  objects[0].p = Vec3(0.5, 0.0, 0.02);
  objects[1].p = Vec3(0.6, -0.1, 0.05);
  std::vector<double> scalars{0.07};
  std::vector<float> a(policy::bc_input_dim(2, 1)), b(policy::bc_input_dim(2, 1));
  policy::build_bc_input(r, objects, scalars, 0.3, a.data());
  policy::build_bc_input(policy::BcInputLayout{2, 1, 0}, r, objects, scalars, 0.3, 0, b.data());
  EXPECT_EQ(a, b);
}

TEST(BcInputLayout, MultiTaskPadsEmptySlotsWithZerosAndEndsWithTheOneHot) {
  RobotState robot;
  robot.X_BT.p = Vec3(0.4, 0.1, 0.3);
  float r[kRobotDim];
  encode_robot(robot, r);
  std::vector<Pose> one(1);
  one[0].p = Vec3(0.5, 0.0, 0.02);
  const policy::BcInputLayout layout{2, 1, 3};  // 2 object slots, 1 scalar slot, 3 tasks
  std::vector<float> in(layout.dim(), -7.0f);
  EXPECT_EQ(layout.dim(), 10 + 14 + 1 + 1 + 6 + 3);
  policy::build_bc_input(layout, r, one, {}, 0.5, 1, in.data());
  EXPECT_FLOAT_EQ(in[10], 0.5f);                                   // object 0 position x
  for (int i = 17; i < 24; ++i) EXPECT_EQ(in[i], 0.0f) << i;       // object slot 1: empty
  EXPECT_EQ(in[24], 0.0f);                                         // scalar slot: empty
  EXPECT_FLOAT_EQ(in[25], 0.5f);                                   // progress
  EXPECT_FLOAT_EQ(in[26], 0.1f);                                   // object 0 - TCP, x
  for (int i = 29; i < 32; ++i) EXPECT_EQ(in[i], 0.0f) << i;       // object slot 1 - TCP: empty
  EXPECT_EQ(std::vector<float>(in.begin() + 32, in.end()), (std::vector<float>{0, 1, 0}));
}

struct MultiTaskFixture : ::testing::Test {
  static void SetUpTestSuite() {
    dir = new std::string(test::temp_dir("multitask"));
    lift = new std::vector<EpisodeRecord>(test::demos("lift", 1, 1));
    pick = new std::vector<EpisodeRecord>(test::demos("pick_place", 1, 2));
    const policy::BcModelInfo info = multi_task_info({"lift", "pick_place"}, "lab");
    policy::BcPolicy p = train_bc_multi_task({*lift, *pick}, info, test::tiny_training());
    p.save(*dir + "/multi.safetensors");
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir);
    delete dir;
    delete lift;
    delete pick;
  }
  static std::string* dir;
  static std::vector<EpisodeRecord>* lift;
  static std::vector<EpisodeRecord>* pick;
};
std::string* MultiTaskFixture::dir = nullptr;
std::vector<EpisodeRecord>* MultiTaskFixture::lift = nullptr;
std::vector<EpisodeRecord>* MultiTaskFixture::pick = nullptr;

TEST_F(MultiTaskFixture, MetadataNamesItsTasksAndLayout) {
  const io::TensorFile f = io::load_safetensors(*dir + "/multi.safetensors");
  const auto j = nlohmann::json::parse(f.metadata.at("ocres.info"));
  EXPECT_EQ(j["task"], "multi");
  ASSERT_EQ(j["tasks"].size(), 2u);
  EXPECT_EQ(j["tasks"][0]["task"], "lift");
  EXPECT_EQ(j["tasks"][1]["task"], "pick_place");
  EXPECT_EQ(j["tasks"][1]["num_objects"], 2);
  EXPECT_EQ(j["num_objects"], 2);  // slots: the maximum
  EXPECT_NE(j["input_layout"].get<std::string>().find("one-hot"), std::string::npos);
}

TEST_F(MultiTaskFixture, ActsForEachOfItsTasksAndRefusesOthers) {
  for (const std::string task : {"lift", "pick_place"}) {
    policy::BcPolicy p = policy::BcPolicy::load_for_task(*dir + "/multi.safetensors", task);
    EXPECT_EQ(p.info().task, task);
    const sim::DomainConfig lab = sim::load_domain("lab");
    auto env = tasks::make_env(tasks::compile_task(task, lab), lab);
    OwningChunkExecutor exec(std::make_unique<policy::BcPolicy>(std::move(p)));
    Rng rng(3);
    exec.reset(rng);
    const Observation* o = &env->reset(5);
    for (int t = 0; t < 20; ++t) {
      env->step(exec.act(*o));
      o = &env->observation();
    }
  }
  try {
    policy::BcPolicy::load_for_task(*dir + "/multi.safetensors", "stack");
    FAIL() << "a multi-task base for lift and pick_place accepted stack";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("multi-task base policy for tasks lift, pick_place; not for 'stack'"), std::string::npos)
        << e.what();
  }
  // Loaded without a task it refuses to act rather than guessing one.
  policy::BcPolicy unselected = policy::BcPolicy::load(*dir + "/multi.safetensors");
  EXPECT_TRUE(unselected.info().task.empty());
  Observation o;
  o.num_objects = 1;
  std::vector<Action> chunk(policy::kBcChunk);
  EXPECT_THROW(unselected.predict_chunk(o, chunk), InputError);
}

TEST_F(MultiTaskFixture, SelectingATaskSwitchesItsObservationSizesAndHorizon) {
  policy::BcPolicy p = policy::BcPolicy::load_for_task(*dir + "/multi.safetensors", "lift");
  EXPECT_EQ(p.net().input_dim(), (policy::BcInputLayout{2, 0, 2}.dim()));
  EXPECT_EQ(p.info().horizon, 300);
  EXPECT_EQ(p.info().num_objects, 1);
  p.select_task("pick_place");
  EXPECT_EQ(p.info().num_objects, 2);
  EXPECT_EQ(p.info().horizon, 500);
  EXPECT_THROW(p.select_task("cup"), InputError);
}

TEST(SingleTaskBase, KeepsItsLayoutLoadsAndActsIdenticallyAndRefusesAnotherTask) {
  const std::string dir = test::temp_dir("single");
  const auto demos = test::demos("lift", 1, 8);
  policy::BcPolicy trained = train_bc(demos, test::task_info("lift"), test::tiny_training());
  trained.save(dir + "/lift.safetensors");
  const io::TensorFile f = io::load_safetensors(dir + "/lift.safetensors");
  const auto j = nlohmann::json::parse(f.metadata.at("ocres.info"));
  EXPECT_EQ(j["task"], "lift");
  EXPECT_FALSE(j.contains("tasks"));
  EXPECT_EQ(trained.net().input_dim(), policy::bc_input_dim(1, 0));  // no one-hot

  policy::BcPolicy loaded = policy::BcPolicy::load_for_task(dir + "/lift.safetensors", "lift");
  const sim::DomainConfig lab = sim::load_domain("lab");
  auto env = tasks::make_env(tasks::compile_task("lift", lab), lab);
  const Observation o = env->reset(9);
  std::vector<Action> a(policy::kBcChunk), b(policy::kBcChunk);
  Rng r1(4), r2(4);
  trained.reset(r1);
  loaded.reset(r2);
  trained.predict_chunk(o, a);
  loaded.predict_chunk(o, b);
  for (int k = 0; k < policy::kBcChunk; ++k) {
    EXPECT_EQ(a[k].p_BT, b[k].p_BT);
    EXPECT_EQ(a[k].gripper_width_m, b[k].gripper_width_m);
  }
  try {
    policy::BcPolicy::load_for_task(dir + "/lift.safetensors", "cup");
    FAIL() << "a lift base accepted cup";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("is a base policy for task 'lift', not 'cup'"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

TEST(MultiTaskInfo, RefusesUnknownOrRepeatedTasks) {
  EXPECT_THROW(multi_task_info({}, "lab"), InputError);
  EXPECT_THROW(multi_task_info({"lift", "lift"}, "lab"), InputError);
  EXPECT_THROW(multi_task_info({"lift", "juggle"}, "lab"), InputError);
  const auto info = multi_task_info({"lift", "drawer", "stack"}, "lab");
  EXPECT_EQ(info.input_layout().num_tasks, 3);
}

// Each task of a multi-task base keeps its own VLA localisation error (the drawer's slide-position
// error, the stack's smaller position bias), through save/load, and acting for a task uses it.
TEST(MultiTaskInfo, KeepsEachTasksLocalizationThroughSaveAndLoad) {
  const auto info = multi_task_info({"lift", "drawer", "stack"}, "lab");
  EXPECT_EQ(info.tasks[0].localization.bias_scalar_std, 0.0);
  EXPECT_GT(info.tasks[1].localization.bias_scalar_std, 0.0);
  EXPECT_LT(info.tasks[2].localization.bias_position_std_m, info.tasks[0].localization.bias_position_std_m);
  policy::MlpConfig mc;
  mc.input_dim = info.input_layout().dim();
  mc.hidden = {8};
  mc.output_dim = policy::kBcOutputDim;
  policy::Normalizer in{std::vector<float>(mc.input_dim, 0.f), std::vector<float>(mc.input_dim, 1.f)};
  policy::Normalizer out{std::vector<float>(mc.output_dim, 0.f), std::vector<float>(mc.output_dim, 1.f)};
  policy::BcPolicy p(policy::Mlp(mc, 1), in, out, info);
  const std::string dir = test::temp_dir("multitask_loc");
  p.save(dir + "/m.safetensors");
  for (size_t k = 0; k < info.tasks.size(); ++k) {
    const auto loaded = policy::BcPolicy::load_for_task(dir + "/m.safetensors", info.tasks[k].task);
    EXPECT_EQ(loaded.info().localization.bias_position_std_m, info.tasks[k].localization.bias_position_std_m) << k;
    EXPECT_EQ(loaded.info().localization.bias_scalar_std, info.tasks[k].localization.bias_scalar_std) << k;
    EXPECT_EQ(loaded.info().localization.noise_scalar_std, info.tasks[k].localization.noise_scalar_std) << k;
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ocres::learn
