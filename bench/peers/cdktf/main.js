#!/usr/bin/env node
// CartFul (SPEC-v1.md worked example, specs/cartful.yaml) in CDK for Terraform with the
// prebuilt AWS provider bindings, plain JavaScript. `cdktf synth` runs this file (see "app" in
// cdktf.json); `node main.js` does the same work without the CLI.
// Output: cdktf.out/stacks/cartful/cdk.tf.json.
'use strict';

const { App, TerraformStack, TerraformOutput, S3Backend, Fn } = require('cdktf');
// Per-resource modules: loading the package root instead would pull in all ~2,200
// resource and data source bindings (about 1.9 s more).
const { AwsProvider } = require('@cdktf/provider-aws/lib/provider');
const { DataAwsAvailabilityZones } = require('@cdktf/provider-aws/lib/data-aws-availability-zones');
const { DataAwsIamPolicyDocument } = require('@cdktf/provider-aws/lib/data-aws-iam-policy-document');
const { Vpc } = require('@cdktf/provider-aws/lib/vpc');
const { Subnet } = require('@cdktf/provider-aws/lib/subnet');
const { InternetGateway } = require('@cdktf/provider-aws/lib/internet-gateway');
const { Eip } = require('@cdktf/provider-aws/lib/eip');
const { NatGateway } = require('@cdktf/provider-aws/lib/nat-gateway');
const { RouteTable } = require('@cdktf/provider-aws/lib/route-table');
const { Route } = require('@cdktf/provider-aws/lib/route');
const { RouteTableAssociation } = require('@cdktf/provider-aws/lib/route-table-association');
const { NetworkAcl } = require('@cdktf/provider-aws/lib/network-acl');
const { NetworkAclRule } = require('@cdktf/provider-aws/lib/network-acl-rule');
const { FlowLog } = require('@cdktf/provider-aws/lib/flow-log');
const { CloudwatchLogGroup } = require('@cdktf/provider-aws/lib/cloudwatch-log-group');
const { VpcEndpoint } = require('@cdktf/provider-aws/lib/vpc-endpoint');
const { SecurityGroup } = require('@cdktf/provider-aws/lib/security-group');
const { VpcSecurityGroupIngressRule } = require('@cdktf/provider-aws/lib/vpc-security-group-ingress-rule');
const { VpcSecurityGroupEgressRule } = require('@cdktf/provider-aws/lib/vpc-security-group-egress-rule');
const { IamRole } = require('@cdktf/provider-aws/lib/iam-role');
const { IamRolePolicy } = require('@cdktf/provider-aws/lib/iam-role-policy');
const { IamRolePolicyAttachment } = require('@cdktf/provider-aws/lib/iam-role-policy-attachment');
const { Lb } = require('@cdktf/provider-aws/lib/lb');
const { LbListener } = require('@cdktf/provider-aws/lib/lb-listener');
const { LbTargetGroup } = require('@cdktf/provider-aws/lib/lb-target-group');
const { LbListenerRule } = require('@cdktf/provider-aws/lib/lb-listener-rule');
const { EcsCluster } = require('@cdktf/provider-aws/lib/ecs-cluster');
const { EcsTaskDefinition } = require('@cdktf/provider-aws/lib/ecs-task-definition');
const { EcsService } = require('@cdktf/provider-aws/lib/ecs-service');
const { AppautoscalingTarget } = require('@cdktf/provider-aws/lib/appautoscaling-target');
const { AppautoscalingPolicy } = require('@cdktf/provider-aws/lib/appautoscaling-policy');
const { DbSubnetGroup } = require('@cdktf/provider-aws/lib/db-subnet-group');
const { DbInstance } = require('@cdktf/provider-aws/lib/db-instance');
const { DynamodbTable } = require('@cdktf/provider-aws/lib/dynamodb-table');
const { EcrRepository } = require('@cdktf/provider-aws/lib/ecr-repository');
const { EcrLifecyclePolicy } = require('@cdktf/provider-aws/lib/ecr-lifecycle-policy');

const NAME = 'cartful';
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const VPC_CIDR = '10.0.0.0/16';
const AZS = 3;
const CERTIFICATE_ARN =
  'arn:aws:acm:us-east-1:123456789012:certificate/0f0e0d0c-0000-4000-8000-000000000000';

const SERVICES = {
  user_metadata: {
    image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/user_metadata:1.4.2`, port: 1010, cpu: 256, memory: 512,
    replicas: { min: 3, max: 12, cpuTarget: 60 }, route: '/users', healthCheck: '/health',
    env: { LOG_LEVEL: 'info' },
    secrets: { API_KEY: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cartful/api-AbCdEf' },
    access: [{ database: 'orders' }, { table: 'configs', mode: 'read_write' }],
  },
  flight_metadata: {
    image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/flight_metadata:2.0.0`, port: 2020, cpu: 256, memory: 512,
    replicas: { min: 3, max: 12, cpuTarget: 60 }, route: '/flights', healthCheck: '/',
    access: [{ database: 'orders' }, { table: 'configs' }],
  },
  flights_availability: {
    image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/flights_availability:0.9.1`, port: 3030, cpu: 256, memory: 512,
    replicas: { min: 3, max: 12, cpuTarget: 60 }, route: '/availability', healthCheck: '/',
    access: [{ table: 'configs' }, { service: 'flight_metadata' }],
  },
};
const REGISTRIES = ['user_metadata', 'flight_metadata', 'flights_availability'];

const TABLE_ACTIONS = {
  read: ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable',
    'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
  write: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:DescribeTable',
    'dynamodb:PutItem', 'dynamodb:UpdateItem'],
};
TABLE_ACTIONS.read_write = [...new Set([...TABLE_ACTIONS.read, ...TABLE_ACTIONS.write])].sort();

const dns = (s) => s.replace(/_/g, '-');

class CartfulStack extends TerraformStack {
  constructor(scope, id) {
    super(scope, id);

    new AwsProvider(this, 'aws', {
      region: REGION,
      allowedAccountIds: [ACCOUNT],
      defaultTags: [{ tags: { project: 'cartful', owner: 'platform' } }],
    });
    new S3Backend(this, {
      bucket: 'cartful-tfstate',
      key: 'cartful/base/terraform.tfstate',
      region: REGION,
      encrypt: true,
    });
    // lock: lockfile (S3 native locking); cdktf 0.21's S3Backend has no typed option for it.
    this.addOverride('terraform.backend.s3.use_lockfile', true);

    // ---------------------------------------------------------------- network
    const azs = new DataAwsAvailabilityZones(this, 'azs', { state: 'available' });
    const az = (i) => Fn.element(azs.names, i);

    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: VPC_CIDR,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: `${NAME}-vpc` },
    });
    const igw = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: { Name: `${NAME}-igw` } });

    // Slot 8*tier + az of the /16 carved into /24s: public 10.0.0-2.0/24, private 10.0.8-10.0/24.
    const publicSubnets = [];
    const privateSubnets = [];
    for (let i = 0; i < AZS; i++) {
      publicSubnets.push(new Subnet(this, `public_${i}`, {
        vpcId: vpc.id,
        cidrBlock: Fn.cidrsubnet(VPC_CIDR, 8, i),
        availabilityZone: az(i),
        mapPublicIpOnLaunch: false,
        tags: { Name: `${NAME}-public-${i}`, tier: 'public' },
      }));
      privateSubnets.push(new Subnet(this, `private_${i}`, {
        vpcId: vpc.id,
        cidrBlock: Fn.cidrsubnet(VPC_CIDR, 8, 8 + i),
        availabilityZone: az(i),
        tags: { Name: `${NAME}-private-${i}`, tier: 'private' },
      }));
    }

    // nat: single, in the first public subnet
    const natEip = new Eip(this, 'nat_eip', { domain: 'vpc', tags: { Name: `${NAME}-nat-0` } });
    const nat = new NatGateway(this, 'nat', {
      allocationId: natEip.allocationId,
      subnetId: publicSubnets[0].id,
      tags: { Name: `${NAME}-nat-0` },
      dependsOn: [igw],
    });

    const publicRt = new RouteTable(this, 'public_rt', { vpcId: vpc.id, tags: { Name: `${NAME}-public` } });
    new Route(this, 'public_default', { routeTableId: publicRt.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });
    const privateRts = [];
    publicSubnets.forEach((subnet, i) => {
      new RouteTableAssociation(this, `public_rta_${i}`, { subnetId: subnet.id, routeTableId: publicRt.id });
    });
    privateSubnets.forEach((subnet, i) => {
      const rt = new RouteTable(this, `private_rt_${i}`, { vpcId: vpc.id, tags: { Name: `${NAME}-private-${i}` } });
      new Route(this, `private_default_${i}`, { routeTableId: rt.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id });
      new RouteTableAssociation(this, `private_rta_${i}`, { subnetId: subnet.id, routeTableId: rt.id });
      privateRts.push(rt);
    });

    // One network ACL per tier.
    const publicAcl = new NetworkAcl(this, 'public_nacl', {
      vpcId: vpc.id, subnetIds: publicSubnets.map((s) => s.id), tags: { Name: `${NAME}-public` },
    });
    const privateAcl = new NetworkAcl(this, 'private_nacl', {
      vpcId: vpc.id, subnetIds: privateSubnets.map((s) => s.id), tags: { Name: `${NAME}-private` },
    });
    const aclRules = [
      [publicAcl, 'public_in_https', 100, false, '6', '0.0.0.0/0', 443, 443],
      [publicAcl, 'public_in_http', 110, false, '6', '0.0.0.0/0', 80, 80],
      [publicAcl, 'public_in_ephemeral', 120, false, '6', '0.0.0.0/0', 1024, 65535],
      [publicAcl, 'public_in_vpc', 130, false, '-1', VPC_CIDR, 0, 0],
      [publicAcl, 'public_out_all', 100, true, '-1', '0.0.0.0/0', 0, 0],
      [privateAcl, 'private_in_vpc', 100, false, '-1', VPC_CIDR, 0, 0],
      [privateAcl, 'private_in_ephemeral', 110, false, '6', '0.0.0.0/0', 1024, 65535],
      [privateAcl, 'private_out_all', 100, true, '-1', '0.0.0.0/0', 0, 0],
    ];
    for (const [acl, id, ruleNumber, egress, protocol, cidrBlock, fromPort, toPort] of aclRules) {
      new NetworkAclRule(this, id, {
        networkAclId: acl.id, ruleNumber, egress, protocol, ruleAction: 'allow', cidrBlock,
        ...(protocol === '-1' ? {} : { fromPort, toPort }),
      });
    }

    // Flow logs to CloudWatch Logs.
    const flowLogGroup = new CloudwatchLogGroup(this, 'flow_logs', {
      name: `/vpc/${NAME}/flow-logs`, retentionInDays: 30,
    });
    const flowLogAssume = new DataAwsIamPolicyDocument(this, 'flow_logs_assume', {
      statement: [{
        actions: ['sts:AssumeRole'],
        principals: [{ type: 'Service', identifiers: ['vpc-flow-logs.amazonaws.com'] }],
        condition: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [ACCOUNT] }],
      }],
    });
    const flowLogRole = new IamRole(this, 'flow_logs_role', {
      name: `${NAME}-flow-logs`, assumeRolePolicy: flowLogAssume.json,
    });
    const flowLogWrite = new DataAwsIamPolicyDocument(this, 'flow_logs_write', {
      statement: [{
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        resources: [`${flowLogGroup.arn}:*`],
      }],
    });
    new IamRolePolicy(this, 'flow_logs_policy', { role: flowLogRole.id, policy: flowLogWrite.json });
    new FlowLog(this, 'flow_log', {
      vpcId: vpc.id, trafficType: 'ALL', logDestinationType: 'cloud-watch-logs',
      logDestination: flowLogGroup.arn, iamRoleArn: flowLogRole.arn,
    });

    // Gateway endpoints (always) and interface endpoints `endpoints: [ecr, logs]`.
    for (const svc of ['s3', 'dynamodb']) {
      new VpcEndpoint(this, `endpoint_${svc}`, {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${REGION}.${svc}`,
        vpcEndpointType: 'Gateway',
        routeTableIds: [publicRt.id, ...privateRts.map((rt) => rt.id)],
        tags: { Name: `${NAME}-${svc}` },
      });
    }
    const endpointSg = new SecurityGroup(this, 'endpoints_sg', {
      name: `${NAME}-endpoints`, description: 'interface endpoints: HTTPS from the VPC', vpcId: vpc.id,
    });
    new VpcSecurityGroupIngressRule(this, 'endpoints_in_https', {
      securityGroupId: endpointSg.id, ipProtocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: VPC_CIDR,
    });
    for (const [id, svc] of [['ecr_api', 'ecr.api'], ['ecr_dkr', 'ecr.dkr'], ['logs', 'logs']]) {
      new VpcEndpoint(this, `endpoint_${id}`, {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${REGION}.${svc}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: privateSubnets.map((s) => s.id),
        securityGroupIds: [endpointSg.id],
        tags: { Name: `${NAME}-${svc}` },
      });
    }

    // ------------------------------------------------------------- registries
    const repos = {};
    for (const key of REGISTRIES) {
      const repo = new EcrRepository(this, `ecr_${key}`, {
        name: key, // image URIs expect the bare registry key
        imageTagMutability: 'IMMUTABLE',
        imageScanningConfiguration: { scanOnPush: true },
        encryptionConfiguration: [{ encryptionType: 'AES256' }],
      });
      new EcrLifecyclePolicy(this, `ecr_${key}_lifecycle`, {
        repository: repo.name,
        policy: JSON.stringify({
          rules: [{
            rulePriority: 1,
            description: 'keep last 30 images',
            selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 },
            action: { type: 'expire' },
          }],
        }),
      });
      repos[key] = repo;
    }

    // ------------------------------------------------------------------ table
    const tables = {
      configs: new DynamodbTable(this, 'table_configs', {
        name: `${NAME}-configs`,
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'config_id',
        rangeKey: 'version',
        attribute: [{ name: 'config_id', type: 'S' }, { name: 'version', type: 'N' }],
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
      }),
    };

    // --------------------------------------------------------------- database
    const dbSg = new SecurityGroup(this, 'db_orders_sg', {
      name: `${NAME}-orders-db`,
      description: 'cartful orders database: port 5432 from its client services only',
      vpcId: vpc.id,
    });
    const dbSubnets = new DbSubnetGroup(this, 'db_orders_subnets', {
      name: `${NAME}-orders`, subnetIds: privateSubnets.map((s) => s.id), // no isolated tier
    });
    const databases = {
      orders: {
        port: 5432,
        sg: dbSg,
        instance: new DbInstance(this, 'db_orders', {
          identifier: `${NAME}-orders`,
          engine: 'postgres',
          engineVersion: '16.4',
          instanceClass: 'db.t4g.medium',
          allocatedStorage: 50,
          maxAllocatedStorage: 200,
          storageType: 'gp3',
          storageEncrypted: true,
          multiAz: true,
          dbSubnetGroupName: dbSubnets.name,
          vpcSecurityGroupIds: [dbSg.id],
          publiclyAccessible: false,
          port: 5432,
          username: 'app',
          manageMasterUserPassword: true,
          iamDatabaseAuthenticationEnabled: true,
          backupRetentionPeriod: 7,
          deletionProtection: true,
          copyTagsToSnapshot: true,
          skipFinalSnapshot: false,
          finalSnapshotIdentifier: `${NAME}-orders-final`,
        }),
      },
    };

    // ----------------------------------------------------------- load balancer
    const albSg = new SecurityGroup(this, 'alb_sg', {
      name: `${NAME}-alb`, description: 'load balancer: HTTPS and HTTP from allowed_cidrs', vpcId: vpc.id,
    });
    for (const port of [443, 80]) {
      new VpcSecurityGroupIngressRule(this, `alb_in_${port}`, {
        securityGroupId: albSg.id, ipProtocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: '0.0.0.0/0',
      });
    }
    const alb = new Lb(this, 'alb', {
      name: `${NAME}-alb`,
      loadBalancerType: 'application',
      internal: false,
      securityGroups: [albSg.id],
      subnets: publicSubnets.map((s) => s.id),
      enableDeletionProtection: true,
      dropInvalidHeaderFields: true,
    });
    const https = new LbListener(this, 'alb_https', {
      loadBalancerArn: alb.arn,
      port: 443,
      protocol: 'HTTPS',
      sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
      certificateArn: CERTIFICATE_ARN,
      defaultAction: [{
        type: 'fixed-response',
        fixedResponse: { contentType: 'text/plain', messageBody: 'not found', statusCode: '404' },
      }],
    });
    new LbListener(this, 'alb_http', {
      loadBalancerArn: alb.arn,
      port: 80,
      protocol: 'HTTP',
      defaultAction: [{
        type: 'redirect',
        redirect: { port: '443', protocol: 'HTTPS', statusCode: 'HTTP_301' },
      }],
    });

    // --------------------------------------------------------------- services
    const cluster = new EcsCluster(this, 'cluster', {
      name: NAME,
      setting: [{ name: 'containerInsights', value: 'enabled' }],
    });
    const ecsAssume = new DataAwsIamPolicyDocument(this, 'ecs_tasks_assume', {
      statement: [{
        actions: ['sts:AssumeRole'],
        principals: [{ type: 'Service', identifiers: ['ecs-tasks.amazonaws.com'] }],
        condition: [{ test: 'StringEquals', variable: 'aws:SourceAccount', values: [ACCOUNT] }],
      }],
    });

    const services = {};
    let priority = 10;
    for (const [key, spec] of Object.entries(SERVICES)) {
      const name = `${NAME}-${dns(key)}`;
      const logGroup = new CloudwatchLogGroup(this, `${key}_logs`, { name: `/ecs/${NAME}/${key}`, retentionInDays: 30 });

      // Execution role: pulls the image, writes logs, reads the secrets it injects.
      const execRole = new IamRole(this, `${key}_exec_role`, {
        name: `${name}-exec`, assumeRolePolicy: ecsAssume.json,
      });
      new IamRolePolicyAttachment(this, `${key}_exec_managed`, {
        role: execRole.name,
        policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
      });
      const secretArns = Object.values(spec.secrets || {});
      if (secretArns.length) {
        const readSecrets = new DataAwsIamPolicyDocument(this, `${key}_exec_secrets_doc`, {
          statement: [{ actions: ['secretsmanager:GetSecretValue'], resources: secretArns }],
        });
        new IamRolePolicy(this, `${key}_exec_secrets`, { role: execRole.id, policy: readSecrets.json });
      }
      // Task role: its own, holding only what `access` implies (policy attached below).
      const taskRole = new IamRole(this, `${key}_task_role`, {
        name: `${name}-task`, assumeRolePolicy: ecsAssume.json,
      });

      const taskDef = new EcsTaskDefinition(this, `${key}_task`, {
        family: name,
        requiresCompatibilities: ['FARGATE'],
        networkMode: 'awsvpc',
        cpu: String(spec.cpu),
        memory: String(spec.memory),
        executionRoleArn: execRole.arn,
        taskRoleArn: taskRole.arn,
        runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
        containerDefinitions: Fn.jsonencode([{
          name: key,
          image: spec.image,
          essential: true,
          user: '1000',
          readonlyRootFilesystem: true,
          privileged: false,
          portMappings: [{ containerPort: spec.port, protocol: 'tcp' }],
          environment: Object.entries(spec.env || {}).map(([n, value]) => ({ name: n, value })),
          secrets: Object.entries(spec.secrets || {}).map(([n, valueFrom]) => ({ name: n, valueFrom })),
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': logGroup.name, 'awslogs-region': REGION, 'awslogs-stream-prefix': key },
          },
        }]),
      });

      const sg = new SecurityGroup(this, `${key}_sg`, {
        name, description: `${key} tasks: port ${spec.port} from the load balancer and its client services`, vpcId: vpc.id,
      });
      new VpcSecurityGroupEgressRule(this, `${key}_out_all`, {
        securityGroupId: sg.id, ipProtocol: '-1', cidrIpv4: '0.0.0.0/0',
      });

      let targetGroup;
      if (spec.route) {
        targetGroup = new LbTargetGroup(this, `${key}_tg`, {
          name: name.slice(0, 32),
          port: spec.port,
          protocol: 'HTTP',
          targetType: 'ip',
          vpcId: vpc.id,
          deregistrationDelay: '30',
          healthCheck: {
            path: spec.healthCheck, matcher: '200-399', interval: 15, timeout: 5,
            healthyThreshold: 2, unhealthyThreshold: 3,
          },
        });
        new LbListenerRule(this, `${key}_rule`, {
          listenerArn: https.arn,
          priority,
          action: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
          condition: [{ pathPattern: { values: [spec.route, `${spec.route}/*`] } }],
        });
        priority += 10;
        new VpcSecurityGroupIngressRule(this, `${key}_in_alb`, {
          securityGroupId: sg.id, ipProtocol: 'tcp', fromPort: spec.port, toPort: spec.port,
          referencedSecurityGroupId: albSg.id, description: 'from the load balancer',
        });
        new VpcSecurityGroupEgressRule(this, `alb_out_${key}`, {
          securityGroupId: albSg.id, ipProtocol: 'tcp', fromPort: spec.port, toPort: spec.port,
          referencedSecurityGroupId: sg.id, description: `to ${key}`,
        });
      }

      const service = new EcsService(this, `${key}_service`, {
        name,
        cluster: cluster.arn,
        taskDefinition: taskDef.arn,
        launchType: 'FARGATE',
        desiredCount: spec.replicas.min,
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        networkConfiguration: {
          subnets: privateSubnets.map((s) => s.id),
          securityGroups: [sg.id],
          assignPublicIp: false,
        },
        loadBalancer: targetGroup
          ? [{ targetGroupArn: targetGroup.arn, containerName: key, containerPort: spec.port }]
          : undefined,
        propagateTags: 'SERVICE',
        lifecycle: { ignoreChanges: ['desired_count'] }, // owned by autoscaling
        dependsOn: [https],
      });

      const scalingTarget = new AppautoscalingTarget(this, `${key}_scaling`, {
        serviceNamespace: 'ecs',
        scalableDimension: 'ecs:service:DesiredCount',
        resourceId: `service/${NAME}/${name}`,
        minCapacity: spec.replicas.min,
        maxCapacity: spec.replicas.max,
        dependsOn: [service],
      });
      new AppautoscalingPolicy(this, `${key}_scaling_cpu`, {
        name: `${name}-cpu`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: scalingTarget.serviceNamespace,
        scalableDimension: scalingTarget.scalableDimension,
        resourceId: scalingTarget.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: spec.replicas.cpuTarget,
          predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        },
      });

      services[key] = { name, sg, taskRole, spec };
    }

    // ------------------------------------------------------------------ access
    for (const [key, { sg, taskRole, spec }] of Object.entries(services)) {
      const statements = [];
      for (const grant of spec.access) {
        if (grant.database) {
          const db = databases[grant.database];
          new VpcSecurityGroupIngressRule(this, `db_${grant.database}_in_${key}`, {
            securityGroupId: db.sg.id, ipProtocol: 'tcp', fromPort: db.port, toPort: db.port,
            referencedSecurityGroupId: sg.id, description: `from ${key}`,
          });
          statements.push({
            sid: `Connect${grant.database}`.replace(/[^A-Za-z0-9]/g, ''),
            actions: ['rds-db:connect'],
            resources: [`arn:aws:rds-db:${REGION}:${ACCOUNT}:dbuser:${db.instance.resourceId}/app`],
          });
        } else if (grant.table) {
          const table = tables[grant.table];
          statements.push({
            sid: `Table${grant.table}`.replace(/[^A-Za-z0-9]/g, ''),
            actions: TABLE_ACTIONS[grant.mode || 'read'],
            resources: [table.arn, `${table.arn}/index/*`],
          });
        } else if (grant.service) {
          const target = services[grant.service];
          new VpcSecurityGroupIngressRule(this, `${grant.service}_in_${key}`, {
            securityGroupId: target.sg.id, ipProtocol: 'tcp', fromPort: target.spec.port, toPort: target.spec.port,
            referencedSecurityGroupId: sg.id, description: `from ${key}`,
          });
        }
      }
      if (statements.length) {
        const doc = new DataAwsIamPolicyDocument(this, `${key}_task_doc`, { statement: statements });
        new IamRolePolicy(this, `${key}_task_policy`, { name: 'access', role: taskRole.id, policy: doc.json });
      }
    }

    // ------------------------------------------------------ cross-account role
    const pushTrust = new DataAwsIamPolicyDocument(this, 'ecr_push_trust', {
      statement: [{
        actions: ['sts:AssumeRole'],
        principals: [{ type: 'AWS', identifiers: ['arn:aws:iam::210987654321:user/ci-pusher'] }],
        condition: [{ test: 'StringEquals', variable: 'sts:ExternalId', values: ['cartful-ci-7f3a'] }],
      }],
    });
    const pushRole = new IamRole(this, 'ecr_push_role', {
      name: `${NAME}-ecr-push`,
      description: 'CI in account 210987654321 pushes images to the cartful registries',
      assumeRolePolicy: pushTrust.json,
      maxSessionDuration: 3600,
    });
    const pushDoc = new DataAwsIamPolicyDocument(this, 'ecr_push_doc', {
      statement: [
        { sid: 'Login', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] },
        {
          sid: 'Push',
          actions: ['ecr:BatchCheckLayerAvailability', 'ecr:CompleteLayerUpload', 'ecr:InitiateLayerUpload',
            'ecr:PutImage', 'ecr:UploadLayerPart'],
          resources: REGISTRIES.map((k) => repos[k].arn),
        },
      ],
    });
    new IamRolePolicy(this, 'ecr_push_policy', { name: 'ecr-push', role: pushRole.id, policy: pushDoc.json });

    // ---------------------------------------------------------------- outputs
    new TerraformOutput(this, 'load_balancer_dns', { value: alb.dnsName });
    new TerraformOutput(this, 'ecr_push_role_arn', { value: pushRole.arn });
    new TerraformOutput(this, 'orders_endpoint', { value: databases.orders.instance.address });
  }
}

const app = new App();
new CartfulStack(app, NAME);
app.synth();
